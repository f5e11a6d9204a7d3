import type { Context } from '../../schema/builder.ts';
import type { Services } from '../services/index.ts';

/** Accepts `Bearer <key>` or a bare key, as sent in a header or in graphql-ws connectionParams. */
export function apiKeyFrom(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const key = authorization.replace(/^Bearer\s+/i, '').trim();
  return key || undefined;
}

export function createContext(services: Services, authorization: unknown): Context {
  const key = apiKeyFrom(authorization);
  return { services, apiKeyPresented: key !== undefined, viewer: key ? services.apiKeys.authenticate(key) : null };
}
