/**
 * Starts a backup on each instance in turn, `passes` times, from a worker thread: the client has
 * an event loop of its own, so it reads each answer as soon as the server sends it, whatever the
 * server's thread does next. Times each startBackup; cancels each job (untimed), then pauses.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { endpoint, apiKey, startBackup, cancelJob, instanceIds, passes } = workerData;

async function query(document, variables) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query: document, variables }),
  });
  const result = await response.json();
  if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

const latencies = [];
for (let pass = 0; pass < passes; pass++) {
  for (const instanceId of instanceIds) {
    const started = performance.now();
    const job = (await query(startBackup, { instanceId })).startBackup;
    latencies.push(performance.now() - started);
    if (job.__typename !== 'Job') throw new Error(`startBackup refused: ${JSON.stringify(job)}`);
    await query(cancelJob, { id: job.id });
    // Paced as a person clicking: the cancel's own events are delivered before the next start.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
parentPort.postMessage(latencies);
