import { Worker } from 'node:worker_threads';

// Thread modules sit beside this one: built in dist/, or TypeScript in src/ (tests), which a thread
// loads through tsx (a worker's --import flags do not reach its first module).
const fromSource = import.meta.url.endsWith('.ts');

/** Starts `<name>.worker` from beside this module; it does not keep the process alive. */
export function startThread(name: string, workerData: unknown): Worker {
  const file = new URL(`./${name}.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, workerData })
    : new Worker(file, { workerData });
  worker.unref();
  return worker;
}
