import { createClient, type Client } from 'graphql-ws';

/** A GraphQL error as yoga sends it. */
export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; http?: { status?: number } };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const KEY_STORAGE = 'sfbackup.apiKey';

/** The key lives in this tab's sessionStorage only: closing the tab signs out. */
export const storedKey = {
  get: () => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

export const GRAPHQL_PATH = '/graphql';

/** One HTTP request with the key; throws ApiError for GraphQL errors (a refused key included). */
export async function request<T>(apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The server cannot be reached. Is it running?', 'NETWORK');
  }
  let body: { data?: T; errors?: GraphQLErrorShape[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(`The server answered ${response.status} without a GraphQL response.`, 'BAD_RESPONSE');
  }
  const error = body.errors?.[0];
  if (error) throw new ApiError(error.message, error.extensions?.code);
  return body.data as T;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

/**
 * The page's one graphql-ws connection. It retries for as long as the page is open (a server
 * restart closes the socket with 1006/1001); only a refused key (4403) stops it.
 */
export function createLiveClient(apiKey: string, onState: (state: ConnectionState) => void): Client {
  const url = new URL(GRAPHQL_PATH, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let everConnected = false;
  return createClient({
    url: url.href,
    connectionParams: { authorization: `Bearer ${apiKey}` },
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (errOrClose) => !(isCloseEvent(errOrClose) && errOrClose.code === 4403),
    // Exponential backoff capped at 5 s, with jitter, so a fleet of tabs does not stampede.
    retryWait: async (retries) => {
      const delay = Math.min(5_000, 250 * 2 ** retries) + Math.random() * 250;
      await new Promise((resolve) => setTimeout(resolve, delay));
    },
    on: {
      connecting: () => onState(everConnected ? 'reconnecting' : 'connecting'),
      connected: () => {
        everConnected = true;
        onState('connected');
      },
      closed: (event) => {
        if (isCloseEvent(event) && event.code === 4403) onState('refused');
        else if (everConnected) onState('reconnecting');
      },
    },
  });
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number';
}
