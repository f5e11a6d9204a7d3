import { InvalidInputError } from '../errors.ts';

/** Every list pages forwards: `first` items after the `after` cursor. */
export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf: (row: T) => string;
  /** Where a page cut short of its size ends (a search that stopped opening records): its last row's cursor otherwise. */
  endCursor?: string;
}

export const MAX_PAGE_SIZE = 100;

export function pageSize(request: PageRequest, fallback: number): number {
  const size = request.first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new InvalidInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return size;
}

/** An opaque cursor naming its list, so one list's cursor is never read as another's. */
export function encodeCursor(list: string, ...position: (string | number)[]): string {
  return Buffer.from(JSON.stringify([list, ...position])).toString('base64url');
}

type Decoded<S extends readonly ('string' | 'number')[]> = { [K in keyof S]: S[K] extends 'number' ? number : string };

/** The position an `after` cursor of this list holds; any other text is refused the same way everywhere. */
export function decodeCursor<const S extends readonly ('string' | 'number')[]>(list: string, cursor: string, shape: S): Decoded<S> {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const valid =
    Array.isArray(parts) &&
    parts.length === shape.length + 1 &&
    parts[0] === list &&
    shape.every((type, i) => (type === 'number' ? Number.isSafeInteger(parts[i + 1]) : typeof parts[i + 1] === 'string'));
  if (!valid) throw new InvalidInputError('after is not a cursor of this list', 'after');
  return (parts as unknown[]).slice(1) as Decoded<S>;
}

/** A page from rows read one beyond its size, which tells whether another page follows. */
export function pageOf<T>(rows: T[], size: number, request: PageRequest, cursorOf: (row: T) => string): Page<T> {
  return { rows: rows.slice(0, size), hasNextPage: rows.length > size, hasPreviousPage: Boolean(request.after), cursorOf };
}

/** Pages of many parents from their rows (each parent's read one beyond the page size). */
export function pagesPerParent<T>(
  rows: T[],
  parentIds: readonly string[],
  parentOf: (row: T) => string,
  size: number,
  request: PageRequest,
  cursorOf: (row: T) => string,
): Map<string, Page<T>> {
  const byParent = new Map<string, T[]>(parentIds.map((id) => [id, []]));
  for (const row of rows) byParent.get(parentOf(row))?.push(row);
  return new Map([...byParent].map(([id, parentRows]) => [id, pageOf(parentRows, size, request, cursorOf)]));
}
