import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { InvalidInputError } from '../src/errors.ts';
import type { Page, PageRequest } from '../src/services/paging.ts';
import type { Context } from './builder.ts';
import { loaded, NO_CACHE } from './loaders.ts';

/** The arguments `t.connection` gives every list. */
export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** Lists page forwards; `last` and `before` are refused like any other bad argument. */
export function forwardPage(args: ConnectionArgs): PageRequest {
  if (args.last != null) throw new InvalidInputError('Lists page forwards only: use first and after', 'last');
  if (args.before != null) throw new InvalidInputError('Lists page forwards only: use first and after', 'before');
  return { first: args.first, after: args.after };
}

/** An edge whose cursor is encoded only when asked for (a getter on the prototype, no closure per edge). */
class Edge<T> {
  constructor(
    readonly node: T,
    private readonly page: Page<T>,
  ) {}

  get cursor() {
    return this.page.cursorOf(this.node);
  }
}

/** A page's info, its cursors likewise encoded only when asked for. */
class PageInfo<T> {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;

  constructor(private readonly page: Page<T>) {
    this.hasNextPage = page.hasNextPage;
    this.hasPreviousPage = page.hasPreviousPage;
  }

  private cursorOf(node: T | undefined) {
    return node === undefined ? null : this.page.cursorOf(node);
  }

  get startCursor() {
    return this.cursorOf(this.page.rows[0]);
  }

  get endCursor() {
    return this.page.endCursor ?? this.cursorOf(this.page.rows.at(-1));
  }
}

/** Cursors are encoded only when asked for: the dashboard lists hundreds of jobs and never pages them. */
export function toConnection<T>(page: Page<T>) {
  return { edges: page.rows.map((node) => new Edge(node, page)), pageInfo: new PageInfo(page) };
}

const pageLoaders = createContextCache(() => new Map<string, DataLoader<string, Page<unknown>>>());

/**
 * One parent's connection, loaded in one batch with the same field of every other parent asking
 * with the same arguments, so a response listing many parents costs one statement per field.
 */
export async function batchedConnection<A extends ConnectionArgs, T>(
  ctx: Context,
  field: string,
  args: A,
  parentId: string,
  load: (parentIds: readonly string[], request: A & PageRequest) => Map<string, Page<T>> | Promise<Map<string, Page<T>>>,
) {
  const key = `${field}:${JSON.stringify(args)}`;
  const loaders = pageLoaders(ctx);
  let loader = loaders.get(key) as DataLoader<string, Page<T>> | undefined;
  if (!loader) {
    loader = new DataLoader<string, Page<T>>(
      (parentIds) =>
        loaded(async () => {
          const pages = await load(parentIds, { ...args, ...forwardPage(args) });
          return parentIds.map((id) => pages.get(id)!);
        }),
      NO_CACHE,
    );
    loaders.set(key, loader as DataLoader<string, Page<unknown>>);
  }
  return toConnection(await loader.load(parentId));
}
