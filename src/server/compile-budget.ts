import type { DocumentNode, ExecutionArgs } from 'graphql';

/** Documents graphql-jit may compile a minute, whoever sends them: about 30 ms of CPU each. */
export const COMPILES_PER_MINUTE = 30;

/**
 * Decides which executions graphql-jit compiles. Compiling a document costs 20–40 ms of CPU, many
 * times what running it once costs, so a key sending endless distinct documents would make the
 * service compile each one. A document is compiled only when it runs a second time (the dashboard's
 * queries and subscriptions do, a stream of new documents does not), and at most `perMinute`
 * documents are compiled a minute; the rest run on graphql-js's executor until there is room.
 */
export function compileBudget({ perMinute = COMPILES_PER_MINUTE, now = Date.now } = {}) {
  const runs = new WeakMap<DocumentNode, number>();
  const compiled = new WeakSet<DocumentNode>();
  let windowStart = now();
  let compiledInWindow = 0;
  let compiledTotal = 0;
  return {
    enableIf({ document }: ExecutionArgs): boolean {
      if (compiled.has(document)) return true;
      const count = (runs.get(document) ?? 0) + 1;
      runs.set(document, count);
      if (count < 2) return false;
      if (now() - windowStart >= 60_000) {
        windowStart = now();
        compiledInWindow = 0;
      }
      if (compiledInWindow >= perMinute) return false;
      compiledInWindow += 1;
      compiledTotal += 1;
      compiled.add(document);
      return true;
    },
    /** Documents handed to the compiler so far. */
    compiledDocuments: () => compiledTotal,
  };
}

export type CompileBudget = ReturnType<typeof compileBudget>;
