import { Worker } from 'node:worker_threads';

// Thread modules sit beside this one: built in dist/, or TypeScript in src/ (tests), which a thread
// loads through tsx (a worker's --import flags do not reach its first module).
const fromSource = import.meta.url.endsWith('.ts');

/** Starts `<name>.worker` from beside this module; it does not keep the process alive. */
function startThread(name: string, workerData: unknown): Worker {
  const file = new URL(`./${name}.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, workerData })
    : new Worker(file, { workerData });
  worker.unref();
  return worker;
}

/** What a thread answers a request: its id with the answer, or with what went wrong. */
export type ThreadReply<Answer> = ({ id: number } & Answer) | { id: number; error: string };

/**
 * A thread of this process that answers requests (`<name>.worker`), started when first needed and
 * again after a failure, which fails every request still waiting. `doing` names its work in errors.
 */
export function answeringThread<Answer extends object>(name: string, workerData: unknown, doing: string) {
  let worker: Worker | undefined;
  const waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  let nextId = 0;

  function start(): Worker {
    const started = startThread(name, workerData);
    const stop = (error: Error) => {
      if (worker === started) worker = undefined;
      for (const { reject } of waiting.values()) reject(error);
      waiting.clear();
    };
    started.on('message', (reply: ThreadReply<Answer>) => {
      const request = waiting.get(reply.id);
      if (!request) return;
      waiting.delete(reply.id);
      if ('error' in reply) request.reject(new Error(`${doing} failed: ${reply.error}`));
      else request.resolve(reply);
    });
    started.on('error', stop);
    started.on('exit', (code) => stop(new Error(`${doing} stopped: its thread exited (code ${code})`)));
    return started;
  }

  /** Sends a message that gets no answer, starting the thread if need be. */
  function post(message: object, transfer: ArrayBuffer[] = []) {
    (worker ??= start()).postMessage(message, transfer);
  }

  return {
    get running() {
      return worker !== undefined;
    },
    post,
    /** Sends a request; its answer comes in turn. A failure is handled even while nobody awaits it yet. */
    ask(request: object, transfer: ArrayBuffer[] = []): Promise<Answer> {
      const id = nextId++;
      const answer = new Promise<Answer>((resolve, reject) => waiting.set(id, { resolve, reject }));
      answer.catch(() => undefined);
      post({ ...request, id }, transfer);
      return answer;
    },
    close: async () => {
      await worker?.terminate();
    },
  };
}
