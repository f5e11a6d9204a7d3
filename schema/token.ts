import { TOKEN_STATUSES, type TokenRow } from '../db/schema.ts';
import { builder, viewerOf } from './builder.ts';
import { NO_CACHE } from './loaders.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';

export const TokenStatusEnum = builder.enumType('TokenStatus', { values: TOKEN_STATUSES });

export const TokenRef = builder.loadableNodeRef<TokenRow>('Token', {
  loaderOptions: NO_CACHE,
  id: { resolve: (token) => token.id },
  load: async (ids, ctx) => ctx.services.tokens.byIds(viewerOf(ctx), ids),
  sort: (token) => token.id,
});

TokenRef.implement({
  description: 'One use of the Salesforce grant: each job start consumes one. Never carries the secret.',
  fields: (t) => ({
    instance: t.field({ type: InstanceRef, resolve: (token) => token.instanceId }),
    status: t.expose('status', { type: TokenStatusEnum }),
    issuedAt: t.expose('issuedAt', { type: 'DateTime' }),
    usedAt: t.expose('usedAt', { type: 'DateTime', nullable: true }),
    job: t.field({ type: JobRef, nullable: true, resolve: (token) => token.jobId }),
  }),
});
