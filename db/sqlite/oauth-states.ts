import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../client.ts';
import type { NewOAuthState, OAuthStates } from '../oauth-states.ts';
import { oauthStates } from '../schema.ts';
import { promised } from './promised.ts';

/** Logins under way on SQLite. */
export function sqliteOAuthStates(db: Db): OAuthStates {
  return {
    add: promised((state: NewOAuthState) => void db.insert(oauthStates).values(state).run()),
    byHash: promised((stateHash: string) => db.select().from(oauthStates).where(eq(oauthStates.stateHash, stateHash)).get()),
    consume: promised(
      (stateHash: string, now: Date) =>
        db
          .update(oauthStates)
          .set({ consumedAt: now })
          .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.consumedAt), gt(oauthStates.expiresAt, now)))
          .run().changes > 0,
    ),
    keepPreview: promised(
      (stateHash: string, pendingGrantCiphertext: string, codeHash: string) =>
        void db.update(oauthStates).set({ pendingGrantCiphertext, codeHash }).where(eq(oauthStates.stateHash, stateHash)).run(),
    ),
  };
}
