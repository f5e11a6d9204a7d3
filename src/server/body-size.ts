import { createGraphQLError, type Plugin } from 'graphql-yoga';

const tooLarge = () => createGraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
const badLength = () => createGraphQLError('Content-Length header is invalid.', { extensions: { http: { status: 400 }, code: 'BAD_REQUEST' } });

// One non-negative integer; anything else (a comma-joined list, as in request smuggling) is refused.
const CONTENT_LENGTH = /^\d+$/;

/**
 * yoga's request body limit (`maxRequestBodySize`), without its cost on every request: yoga
 * also pipes a body that declared its length through a counting stream in a new Request, but
 * Node's parser never hands on more bytes than Content-Length. Only a body without one
 * (chunked) is counted as it arrives. Registered after every request parser, as yoga's is.
 */
export function bodySizePlugin(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw badLength();
        if (Number(contentLength) > limit) throw tooLarge();
        return;
      }
      const body = request.body;
      if (!requestParser || !body) return;
      const parse = requestParser;
      setRequestParser((incoming) => {
        let bytesRead = 0;
        const counted = body.pipeThrough(
          new fetchAPI.TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytesRead += chunk.byteLength;
              if (bytesRead > limit) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        return parse(new fetchAPI.Request(incoming.url, { method: incoming.method, headers: incoming.headers, signal: incoming.signal, body: counted, duplex: 'half' } as RequestInit));
      });
    },
  };
}
