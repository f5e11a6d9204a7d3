import { sql } from 'drizzle-orm';
import { SEALED_COLUMNS, type SealedSecrets } from '../sealed-secrets.ts';
import type { PgDb } from './client.ts';

/** Sealed values on PostgreSQL: each row is locked as it is read, so no process changes it before it is re-sealed. */
export function postgresSealedSecrets(db: PgDb): SealedSecrets {
  return {
    resealAll: (reseal) =>
      db.transaction(async (tx) => {
        let resealed = 0;
        for (const [table, key, column] of SEALED_COLUMNS) {
          const [tableName, keyName, columnName] = [sql.identifier(table), sql.identifier(key), sql.identifier(column)];
          const { rows } = await tx.execute<{ id: string; sealed: string }>(
            sql`select ${keyName} as id, ${columnName} as sealed from ${tableName} where ${columnName} is not null for update`,
          );
          for (const { id, sealed } of rows) {
            const replacement = reseal(sealed);
            if (replacement === undefined) continue;
            await tx.execute(sql`update ${tableName} set ${columnName} = ${replacement} where ${keyName} = ${id}`);
            resealed += 1;
          }
        }
        return resealed;
      }),
  };
}
