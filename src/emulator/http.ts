import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorResponse } from './types.ts';

export const JSON_TYPE = 'application/json;charset=UTF-8';

export async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString('utf8');
}

/**
 * Writes a response; a non-string body is JSON, a string is sent as the handler formatted it. With
 * `cutAfterBytes` the body stops after that many bytes and the connection closes, as a transfer
 * lost part way.
 */
export function send(res: ServerResponse, response: EmulatorResponse, extraHeaders: Record<string, string> = {}, cutAfterBytes?: number) {
  const headers: Record<string, string> = { ...extraHeaders, ...response.headers };
  let body: string | Buffer | undefined;
  if (response.body === undefined) {
    body = undefined;
    if (response.stream) headers['content-type'] ??= headers['Content-Type'];
  } else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    body = response.body;
    headers['content-type'] ??= headers['Content-Type'] ?? JSON_TYPE;
  } else {
    body = JSON.stringify(response.body);
    headers['content-type'] = JSON_TYPE;
  }
  delete headers['Content-Type'];
  res.writeHead(response.status, headers);
  if (cutAfterBytes !== undefined) {
    void sendCut(res, response.stream ?? (body === undefined ? [] : [body]), cutAfterBytes);
    return;
  }
  if (response.stream) {
    void streamBody(res, response.stream);
    return;
  }
  res.end(body);
}

/** The first `bytes` bytes of the body go out, then the connection closes with the body unfinished. */
async function sendCut(res: ServerResponse, pieces: Iterable<string | Buffer>, bytes: number) {
  let left = bytes;
  for (const piece of pieces) {
    if (left === 0 || res.destroyed) break;
    const buffer = Buffer.from(piece).subarray(0, left);
    left -= buffer.length;
    if (!res.write(buffer)) await drainedOrClosed(res);
  }
  res.socket?.end();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function streamBody(res: ServerResponse, pieces: Iterable<string>) {
  try {
    for (const piece of pieces) {
      if (res.destroyed) return;
      if (!res.write(piece)) await drainedOrClosed(res);
    }
    res.end();
  } catch (error) {
    // Headers are gone: a client sees the body cut short, as when Salesforce fails mid-file.
    res.destroy(error as Error);
  }
}

export function html(status: number, body: string): EmulatorResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

export function apiError(status: number, errorCode: string, message: string): EmulatorResponse {
  return { status, body: [{ message, errorCode }] };
}

export function oauthError(status: number, error: string, description: string): EmulatorResponse {
  return { status, body: { error, error_description: description } };
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
