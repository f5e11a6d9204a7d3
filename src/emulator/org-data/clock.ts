/** Audit timestamps that never repeat or go back, even for two writes in the same millisecond. */
export class MonotonicClock {
  constructor(
    private readonly now: () => number,
    private last: number,
  ) {}

  next(): number {
    this.last = Math.max(this.now(), this.last + 1);
    return this.last;
  }

  /** The last timestamp handed out. */
  get latest(): number {
    return this.last;
  }

  /** Raises the floor, e.g. past the newest generated timestamp. */
  advanceTo(ms: number): void {
    if (ms > this.last) this.last = ms;
  }
}
