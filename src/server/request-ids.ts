import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const requestIds = new AsyncLocalStorage<string>();

/** Runs one request (or one graphql-ws operation) under a fresh id, which its logs and masked errors carry. */
export function withRequestId<T>(run: (id: string) => T): T {
  const id = randomUUID();
  return requestIds.run(id, () => run(id));
}

export const currentRequestId = (): string | undefined => requestIds.getStore();
