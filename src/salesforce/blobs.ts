/** Files: the bytes of a base64 field, streamed from the URL a query returns for it. */
import { Readable } from 'node:stream';
import type { SalesforceSession } from './session.ts';

/** `/services/data/vXX.X/sobjects/Attachment/{id}/Body` → its bytes as they arrive (one API call). */
export async function readBlob(session: SalesforceSession, url: string): Promise<AsyncIterable<Uint8Array>> {
  const response = await session.download(url);
  return Readable.fromWeb(response.body as never);
}
