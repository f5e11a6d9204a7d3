import { and, eq, gt, isNull } from 'drizzle-orm';
import type { OAuthStates } from '../oauth-states.ts';
import type { PgDb } from './client.ts';
import { oauthStates } from './schema.ts';

/** Logins under way on PostgreSQL: a state is consumed by one conditional update, so by one process only. */
export function postgresOAuthStates(db: PgDb): OAuthStates {
  return {
    async add(state) {
      await db.insert(oauthStates).values(state);
    },

    byHash: async (stateHash) => (await db.select().from(oauthStates).where(eq(oauthStates.stateHash, stateHash)))[0],

    consume: async (stateHash, now) =>
      (
        await db
          .update(oauthStates)
          .set({ consumedAt: now })
          .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.consumedAt), gt(oauthStates.expiresAt, now)))
          .returning({ stateHash: oauthStates.stateHash })
      ).length > 0,

    async keepPreview(stateHash, pendingGrantCiphertext, codeHash) {
      await db.update(oauthStates).set({ pendingGrantCiphertext, codeHash }).where(eq(oauthStates.stateHash, stateHash));
    },
  };
}
