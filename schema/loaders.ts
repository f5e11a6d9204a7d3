import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { SnapshotObjectRow, TokenRow, TokenStatus } from '../db/schema.ts';
import { viewerOf, type Context } from './builder.ts';

/**
 * Loaders batch the loads of one tick but keep nothing between them: a subscription's context
 * lives as long as the subscription, and a cache there would serve every later event stale rows.
 */
export const NO_CACHE = { cache: false } as const;

/**
 * A batch load's answer as a promise. The services answer synchronously, and DataLoader turns a
 * synchronous throw into a TypeError about its own contract, hiding a typed error (a bad cursor)
 * from the client: thrown here, it rejects as itself.
 */
export const loaded = <T>(load: () => T): Promise<T> => new Promise<T>((resolve) => resolve(load()));

/** Current-grant tokens per instance, for `tokens`: one statement per batch of instances. */
export const currentTokensLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, TokenRow[]>(
      (instanceIds) =>
        loaded(() => {
          const rows = ctx.services.tokens.currentByInstanceIds(viewerOf(ctx), instanceIds);
          return instanceIds.map((id) => rows.filter((token) => token.instanceId === id));
        }),
      NO_CACHE,
    ),
);

/** Current-grant token counts per instance and status, shared by `tokensUsed` and `tokensRemaining`. */
const tokenCountsLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, Map<TokenStatus, number>>(
      (instanceIds) =>
        loaded(() => {
          const counts = new Map(instanceIds.map((id) => [id, new Map<TokenStatus, number>()]));
          for (const row of ctx.services.tokens.currentCountsByInstanceIds(viewerOf(ctx), instanceIds)) counts.get(row.instanceId)?.set(row.status, row.count);
          return instanceIds.map((id) => counts.get(id)!);
        }),
      NO_CACHE,
    ),
);

export async function tokenCount(ctx: Context, instanceId: string, status: TokenStatus): Promise<number> {
  return (await tokenCountsLoader(ctx).load(instanceId)).get(status) ?? 0;
}

/** Per-object counts of snapshots, shared by `objects` and `recordCount`. */
export const snapshotObjectsLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, SnapshotObjectRow[]>(
      (snapshotIds) =>
        loaded(() => {
          const bySnapshot = ctx.services.snapshots.objectsBySnapshot(viewerOf(ctx), snapshotIds);
          return snapshotIds.map((id) => bySnapshot.get(id) ?? []);
        }),
      NO_CACHE,
    ),
);
