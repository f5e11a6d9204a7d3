const waiting: (() => void)[] = [];
let scheduled = false;

function releaseOne() {
  waiting.shift()?.();
  // Scheduled from inside the check phase, the next release waits for the next turn of the loop.
  if (waiting.length > 0) setImmediate(releaseOne);
  else scheduled = false;
}

/**
 * Resolves in a later turn of the event loop, one caller a turn. Requests whose bodies arrive
 * together (twenty large ones at once) would otherwise each be parsed and answered in the same
 * turn, one after another, and a health check arriving then waits for all of them; taken one a
 * turn, anything else ready is answered in between.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(releaseOne);
    }
  });
}
