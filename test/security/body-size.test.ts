import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../src/server/graphql.ts';
import { OPERATOR_KEY, startTestServer, type TestServer } from '../helpers/server.ts';

/** A keyed POST whose body goes out in chunks (no Content-Length), or with a stated Content-Length. */
function post(url: string, body: Buffer, contentLength?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` };
    if (contentLength !== undefined) headers['content-length'] = contentLength;
    const sent = request(url, { method: 'POST', headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, text }));
    });
    sent.on('error', reject);
    if (contentLength === undefined) for (let at = 0; at < body.length; at += 65_536) sent.write(body.subarray(at, at + 65_536));
    else sent.write(body);
    sent.end();
  });
}

describe('request body size', () => {
  let server: TestServer;
  const query = Buffer.from(JSON.stringify({ query: '{ viewer { isOperator } }' }));

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.dispose());

  it('answers a body of stated length and a chunked one within the limit', async () => {
    for (const response of [await post(`${server.url}/graphql`, query, String(query.length)), await post(`${server.url}/graphql`, query)]) {
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ data: { viewer: { isOperator: true } } });
    }
  });

  it('refuses a body past the limit, by its stated length or, chunked, once it passes the limit', async () => {
    const large = Buffer.concat([Buffer.from('{"query":"{ viewer { isOperator } }","extensions":{"pad":"'), Buffer.alloc(MAX_REQUEST_BYTES, 'a'), Buffer.from('"}}')]);
    for (const stated of [String(large.length), undefined]) {
      const refused = await post(`${server.url}/graphql`, large, stated);
      expect(refused.status).toBe(413);
      expect(refused.text).toContain('REQUEST_ENTITY_TOO_LARGE');
    }
  });
});
