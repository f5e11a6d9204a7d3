import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  requests: number;
  errors: number;
  seconds: number;
}

/** Loads an HTTP endpoint with POSTs for about `durationSeconds` from a worker thread (load-worker.mjs). */
export async function measureLoad(options: {
  url: string;
  body: string;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
}): Promise<LoadResult> {
  const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
    workerData: { url: options.url, body: options.body, headers: options.headers ?? {}, connections: options.connections, seconds: options.durationSeconds },
  });
  const [result] = (await once(worker, 'message')) as [Omit<LoadResult, 'requestsPerSecond'>];
  await worker.terminate();
  return { ...result, requestsPerSecond: result.requests / result.seconds };
}
