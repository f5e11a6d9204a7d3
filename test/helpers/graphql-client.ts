import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: unknown[] }[];
}

/** A small real client over HTTP, SSE and graphql-ws, holding one API key. */
export class GraphQLClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey?: string,
  ) {}

  get endpoint() {
    return `${this.baseUrl}/graphql`;
  }

  private headers(extra: Record<string, string> = {}) {
    return {
      'content-type': 'application/json',
      ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
      ...extra,
    };
  }

  async request<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  /** Fails the test on GraphQL errors; returns `data`. */
  async query<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await this.request<T>(query, variables);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as T;
  }

  /** A subscription over Server-Sent Events; collects each `next` payload. */
  subscribeSse<T = any>(query: string, variables: Record<string, unknown> = {}): EventStream<GraphQLResponse<T>> {
    const controller = new AbortController();
    const stream = new EventStream<GraphQLResponse<T>>(() => controller.abort());
    const url = new URL(this.endpoint);
    void (async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: this.headers({ accept: 'text/event-stream' }),
          body: JSON.stringify({ query, variables }),
          signal: controller.signal,
        });
        stream.markOpen();
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let boundary: number;
          while ((boundary = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event === 'next' && data) stream.push(JSON.parse(data));
            if (event === 'complete') return stream.end();
          }
        }
        stream.end();
      } catch (error) {
        if (!controller.signal.aborted) stream.fail(error as Error);
      }
    })();
    return stream;
  }

  /** A graphql-ws client carrying this key in connectionParams. */
  ws(options: { lazy?: boolean; retryAttempts?: number } = {}): Client {
    return createClient({
      url: this.endpoint.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
      lazy: options.lazy ?? true,
      retryAttempts: options.retryAttempts ?? 0,
    });
  }

  subscribeWs<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}): EventStream<GraphQLResponse<T>> {
    let dispose = () => {};
    const stream = new EventStream<GraphQLResponse<T>>(() => dispose());
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => stream.push(value as GraphQLResponse<T>),
        error: (error) => stream.fail(asError(error)),
        complete: () => stream.end(),
      },
    );
    // graphql-ws has no "subscribed" acknowledgement; a connected socket with the operation sent is as close as it gets.
    client.on('connected', () => stream.markOpen());
    return stream;
  }
}

/** Values pushed by a subscription, with waits that fail with a useful message. */
export class EventStream<T> {
  readonly values: T[] = [];
  error: Error | undefined;
  ended = false;
  private waiters: (() => void)[] = [];
  private opened = false;

  constructor(private readonly stop: () => void) {}

  markOpen() {
    this.opened = true;
    this.wake();
  }

  push(value: T) {
    this.values.push(value);
    this.wake();
  }

  end() {
    this.ended = true;
    this.wake();
  }

  fail(error: Error) {
    this.error = error;
    this.wake();
  }

  close() {
    this.stop();
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.error) throw this.error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`Timed out waiting for ${what}; received ${JSON.stringify(this.values)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  opening() {
    return this.until(() => this.opened, 'the subscription to open');
  }

  async next(count = 1): Promise<T[]> {
    await this.until(() => this.values.length >= count, `${count} event(s)`);
    return this.values.slice(0, count);
  }
}

/** graphql-ws reports a closed socket as a CloseEvent and refused operations as GraphQL errors. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const close = error as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return new Error(`socket closed ${close.code}: ${close.reason}`);
  return new Error(JSON.stringify(error));
}
