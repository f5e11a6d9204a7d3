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
 * Current-grant tokens per instance, shared by `tokens`, `tokensUsed` and `tokensRemaining`
 * so the three fields cost one statement per batch of instances.
 */
export const currentTokensLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, TokenRow[]>((instanceIds) => {
      const rows = ctx.services.tokens.currentByInstanceIds(viewerOf(ctx), instanceIds);
      return Promise.resolve(instanceIds.map((id) => rows.filter((token) => token.instanceId === id)));
    }, NO_CACHE),
);

export async function tokenCount(ctx: Context, instanceId: string, status: TokenStatus): Promise<number> {
  return (await currentTokensLoader(ctx).load(instanceId)).filter((token) => token.status === status).length;
}

/** Per-object counts of snapshots, shared by `objects` and `recordCount`. */
export const snapshotObjectsLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, SnapshotObjectRow[]>((snapshotIds) => {
      const bySnapshot = ctx.services.snapshots.objectsBySnapshot(viewerOf(ctx), snapshotIds);
      return Promise.resolve(snapshotIds.map((id) => bySnapshot.get(id) ?? []));
    }, NO_CACHE),
);
