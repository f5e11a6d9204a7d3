import { TOKEN_STATUSES } from '../db/schema.ts';
import { builder } from './builder.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';
import { nodeRef } from './node-ref.ts';

export const TokenStatusEnum = builder.enumType('TokenStatus', { values: TOKEN_STATUSES });

export const TokenRef = nodeRef('Token', (services, viewer, ids) => services.tokens.byIds(viewer, ids));

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
