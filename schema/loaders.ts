import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { InstanceRow, SnapshotObjectRow, TokenRow, TokenStatus } from '../db/schema.ts';
import type { Services } from '../src/services/index.ts';
import type { Viewer, ViewerRead } from '../src/services/viewer.ts';
import { viewerOf, type Context } from './builder.ts';

/**
 * Loaders batch the loads of one tick but keep nothing between them: a subscription's context
 * lives as long as the subscription, and a cache there would serve every later event stale rows.
 */
export const NO_CACHE = { cache: false } as const;

/**
 * A batch load's answer as a promise. Some services still answer synchronously, and DataLoader
 * turns a synchronous throw into a TypeError about its own contract, hiding a typed error (a bad
 * cursor) from the client: thrown here, it rejects as itself.
 */
export const loaded = <T>(load: () => T | PromiseLike<T>): Promise<T> => new Promise<T>((resolve) => resolve(load()));

/** Current-grant tokens per instance, for `tokens`: one statement per batch of instances. */
export const currentTokensLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, TokenRow[]>(
      (instanceIds) =>
        loaded(async () => {
          const rows = await ctx.services.tokens.currentByInstanceIds(viewerOf(ctx), instanceIds);
          return instanceIds.map((id) => rows.filter((token) => token.instanceId === id));
        }),
      NO_CACHE,
    ),
);

/**
 * Loaders shared by every context of one app, for reads that many executions make side by side:
 * one event runs a subscription's execution per organisation, each in its own context, and their
 * reads of the same tick go out as one statement. Each read still carries its own viewer.
 */
function createSharedLoaders(services: Services) {
  return {
    instances: new DataLoader<ViewerRead, InstanceRow | undefined>((reads) => loaded(() => services.instances.forEachViewer(reads)), NO_CACHE),
    tokenCounts: new DataLoader<ViewerRead, Map<TokenStatus, number>>((reads) => loaded(() => services.tokens.currentCountsForEachViewer(reads)), NO_CACHE),
  };
}

const sharedLoaders = new WeakMap<Services, ReturnType<typeof createSharedLoaders>>();

function sharedLoadersOf(services: Services) {
  let loaders = sharedLoaders.get(services);
  if (!loaders) sharedLoaders.set(services, (loaders = createSharedLoaders(services)));
  return loaders;
}

/** Instances by id that the viewer may see, batched with every other context's of the same tick. */
export async function visibleInstances(services: Services, viewer: Viewer, ids: readonly string[]): Promise<InstanceRow[]> {
  const rows = await sharedLoadersOf(services).instances.loadMany(ids.map((id) => ({ viewer, id })));
  return rows.filter((row): row is InstanceRow => row !== undefined && !(row instanceof Error));
}

/** Current-grant token counts of an instance by status, shared by `tokensUsed` and `tokensRemaining`. */
export async function tokenCount(ctx: Context, instanceId: string, status: TokenStatus): Promise<number> {
  return (await sharedLoadersOf(ctx.services).tokenCounts.load({ viewer: viewerOf(ctx), id: instanceId })).get(status) ?? 0;
}

/** Per-object counts of snapshots, shared by `objects` and `recordCount`. */
export const snapshotObjectsLoader = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, SnapshotObjectRow[]>(
      (snapshotIds) =>
        loaded(async () => {
          const bySnapshot = await ctx.services.snapshots.objectsBySnapshot(viewerOf(ctx), snapshotIds);
          return snapshotIds.map((id) => bySnapshot.get(id) ?? []);
        }),
      NO_CACHE,
    ),
);
