import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { nextTurn } from './turns.ts';

/** Deeper JSON is no GraphQL request: parsing and copying it is where the time would go. */
export const MAX_JSON_DEPTH = 64;
/** The dashboard's largest document is under 2,000 characters; a longer one is refused unparsed. */
export const MAX_QUERY_LENGTH = 16_384;

const badRequest = (message: string) => createGraphQLError(message, { extensions: { http: { status: 400, spec: true }, code: 'BAD_REQUEST' } });

/**
 * The deepest nesting of arrays and objects in a JSON body, strings skipped; stops counting past
 * `limit`. Read as bytes (UTF-8 continuation bytes are never ASCII): about 4× faster than by character.
 */
export function jsonDepth(bytes: Uint8Array, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      // A string: skip to its closing quote, past escapes.
      for (i++; i < length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

const decoder = new TextDecoder();

/**
 * Parses POSTed JSON bodies as yoga does, refusing those nested past MAX_JSON_DEPTH before
 * JSON.parse and queries past MAX_QUERY_LENGTH. Each request is then parsed and run in a turn of
 * its own (turns.ts).
 */
export function jsonBodyPlugin(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method !== 'POST' || !/^application\/(graphql\+)?json\b/.test(request.headers.get('content-type') ?? '')) return;
      setRequestParser(async (incoming) => {
        const bytes = new Uint8Array(await incoming.arrayBuffer());
        await nextTurn();
        if (jsonDepth(bytes) > MAX_JSON_DEPTH) throw badRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
        let body: unknown;
        try {
          body = JSON.parse(decoder.decode(bytes));
        } catch {
          throw badRequest('POST body sent invalid JSON.');
        }
        if (body === null || typeof body !== 'object') throw badRequest('POST body is expected to be an object.');
        const { query } = body as { query?: unknown };
        if (typeof query === 'string' && query.length > MAX_QUERY_LENGTH) {
          throw badRequest(`The query is longer than ${MAX_QUERY_LENGTH} characters.`);
        }
        return body as never;
      });
    },
  };
}
