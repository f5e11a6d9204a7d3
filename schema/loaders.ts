import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { TokenRow } from '../db/schema.ts';
import type { Context } from './builder.ts';

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
    new DataLoader<string, TokenRow[]>(async (instanceIds) => {
      const rows = ctx.services.tokens.currentByInstanceIds(instanceIds);
      return instanceIds.map((id) => rows.filter((token) => token.instanceId === id));
    }, NO_CACHE),
);
