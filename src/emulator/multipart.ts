/**
 * Multipart creates and updates of records with a file (`multipart/form-data`): a non-binary part
 * named `entity_…` with the fields as JSON, then the file's bytes in a part named after the
 * base64 field. The emulator turns them into the JSON body the same call takes, the file in base64.
 */
import type { EmulatorResponse } from './types.ts';

const invalid = (message: string) => ({ error: { status: 400, body: [{ message, errorCode: 'INVALID_MULTIPART_REQUEST' }] } as EmulatorResponse });

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) return undefined;
  return /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
}

/** The record's fields with the file as base64, or Salesforce's error for a malformed message. */
export function fieldsOfMultipart(body: Buffer, boundary: string): { fields: Record<string, unknown> } | { error: EmulatorResponse } {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    parts.push(body.subarray(start + delimiter.length, next));
    start = next;
  }
  let fields: Record<string, unknown> | undefined;
  const files: Record<string, string> = {};
  for (const raw of parts) {
    const part = raw.subarray(raw.indexOf('\r\n') + 2, raw.length - 2); // after the delimiter's line break, before the next one's
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) return invalid('Each part of the multipart message needs headers and a body');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]+)"/i.exec(headers)?.[1];
    if (!name) return invalid('Each part of the multipart message needs a name');
    if (/content-type:\s*application\/json/i.test(headers) && name.startsWith('entity_')) {
      try {
        fields = JSON.parse(content.toString('utf8')) as Record<string, unknown>;
      } catch {
        return invalid('The non-binary part is not valid JSON');
      }
    } else files[name] = content.toString('base64');
  }
  if (!fields) return invalid('Multipart message must include a non-binary part');
  return { fields: { ...fields, ...files } };
}
