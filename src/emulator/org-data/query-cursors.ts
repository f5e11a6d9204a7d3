/** Server-side query cursors: a snapshot of matching rows, served a page at a time. */
import { ApiError } from './errors.ts';
import { encodeBase62, to18 } from './ids.ts';

export const CURSOR_IDLE_MS = 15 * 60_000;

export interface Cursor {
  id: string;
  rows: Int32Array;
  batchSize: number;
  writeRecord: (row: number) => string;
  lastUsed: number;
}

export class CursorStore {
  private readonly cursors = new Map<string, Cursor>();
  private counter = 0;

  constructor(
    private readonly orgTag: string,
    private readonly now: () => number,
  ) {}

  open(rows: Int32Array, batchSize: number, writeRecord: (row: number) => string): Cursor {
    this.sweep();
    const id = to18(`01g${this.orgTag}0${encodeBase62(++this.counter, 9)}`);
    const cursor = { id, rows, batchSize, writeRecord, lastUsed: this.now() };
    this.cursors.set(id, cursor);
    return cursor;
  }

  /** The cursor and start offset a locator (`<cursorId>-<offset>`) names. */
  resume(locator: string): { cursor: Cursor; offset: number } {
    this.sweep();
    const dash = locator.lastIndexOf('-');
    const cursor = dash > 0 ? this.cursors.get(locator.slice(0, dash)) : undefined;
    const offset = Number(locator.slice(dash + 1));
    if (!cursor || !Number.isInteger(offset) || offset < 0 || offset > cursor.rows.length) {
      throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.lastUsed = this.now();
    return { cursor, offset };
  }

  close(cursor: Cursor): void {
    this.cursors.delete(cursor.id);
  }

  get size(): number {
    return this.cursors.size;
  }

  private sweep(): void {
    const cutoff = this.now() - CURSOR_IDLE_MS;
    for (const [id, cursor] of this.cursors) if (cursor.lastUsed < cutoff) this.cursors.delete(id);
  }
}
