import type { NewestVersion } from './snapshot-store.ts';

/** The first `size` records of one object after an id along a chain, as an engine reads them at once. */
export interface ChainSlice {
  /** Their newest versions, purged ones left out, in id order. */
  versions: NewestVersion[];
  /** How many records the slice covered, purged ones too: fewer than asked for, the chain has no more. */
  covered: number;
  /** The last record id it covered. */
  last?: string;
}

export type ReadSlice = (chain: string[], object: string, after: string | undefined, size: number) => Promise<ChainSlice>;

/**
 * A page of the newest versions of one object's records along a chain, purged ones left out.
 * Each engine reads a slice from each snapshot's key after the id, rather than grouping every row
 * of the chain after it (which sorts all of them for every page); slices follow one another until
 * the page is full (purged records take no place in it) or the chain ends.
 */
export async function newestVersionsPage(readSlice: ReadSlice, chain: string[], object: string, page: { after?: string; limit: number }): Promise<NewestVersion[]> {
  const found: NewestVersion[] = [];
  let after = page.after;
  while (found.length < page.limit) {
    const size = page.limit - found.length;
    const slice = await readSlice(chain, object, after, size);
    for (const version of slice.versions) found.push(version);
    if (slice.covered < size) break;
    after = slice.last;
  }
  return found;
}
