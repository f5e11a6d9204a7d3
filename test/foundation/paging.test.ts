import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.ts';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize, pagesPerParent } from '../../src/services/paging.ts';

function refusal(action: () => unknown): InvalidInputError {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('nothing was refused');
}

describe('paging', () => {
  it('takes the default size, any size up to the maximum, and refuses the rest on `first`', () => {
    expect(pageSize({}, 20)).toBe(20);
    expect(pageSize({ first: 0 }, 20)).toBe(0);
    expect(pageSize({ first: MAX_PAGE_SIZE }, 20)).toBe(MAX_PAGE_SIZE);
    for (const first of [-1, MAX_PAGE_SIZE + 1, 1.5]) {
      expect(refusal(() => pageSize({ first }, 20))).toMatchObject({ field: 'first', message: 'first must be between 0 and 100' });
    }
  });

  it('reads back the position a cursor holds', () => {
    const cursor = encodeCursor('jobs', 1_700_000_000_000, 'job-7');
    expect(decodeCursor('jobs', cursor, ['number', 'string'] as const)).toEqual([1_700_000_000_000, 'job-7']);
  });

  it("refuses garbage, another list's cursor and a cursor of the wrong shape, the same way", () => {
    const cases = ['%%%', 'bm90IGpzb24', encodeCursor('snapshots', 3), encodeCursor('jobs', 'x', 'y'), encodeCursor('jobs', 1)];
    for (const cursor of cases) {
      expect(refusal(() => decodeCursor('jobs', cursor, ['number', 'string'] as const))).toMatchObject({
        field: 'after',
        message: 'after is not a cursor of this list',
      });
    }
  });

  it('splits rows read one beyond the page size into a page per parent, telling which have more', () => {
    const rows = [
      { parent: 'a', n: 1 },
      { parent: 'a', n: 2 },
      { parent: 'a', n: 3 },
      { parent: 'b', n: 4 },
    ];
    const pages = pagesPerParent(rows, ['a', 'b', 'c'], (row) => row.parent, 2, { after: 'x' }, (row) => String(row.n));
    expect(pages.get('a')).toMatchObject({ rows: [rows[0], rows[1]], hasNextPage: true, hasPreviousPage: true });
    expect(pages.get('b')).toMatchObject({ rows: [rows[3]], hasNextPage: false });
    expect(pages.get('c')).toMatchObject({ rows: [], hasNextPage: false });
    expect(pages.get('a')!.cursorOf(rows[1])).toBe('2');
  });
});
