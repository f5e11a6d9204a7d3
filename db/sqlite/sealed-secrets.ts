import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { SEALED_COLUMNS, type SealedSecrets } from '../sealed-secrets.ts';
import { writeTransaction } from '../write-transaction.ts';
import { promised } from './promised.ts';

/** Sealed values on SQLite. */
export function sqliteSealedSecrets(db: Db): SealedSecrets {
  function resealAll(reseal: (sealed: string) => string | undefined): number {
    return writeTransaction(db, (tx) => {
      let resealed = 0;
      for (const [table, key, column] of SEALED_COLUMNS) {
        const [tableName, keyName, columnName] = [sql.identifier(table), sql.identifier(key), sql.identifier(column)];
        const rows = tx.all<{ id: string; sealed: string }>(sql`select ${keyName} as id, ${columnName} as sealed from ${tableName} where ${columnName} is not null`);
        for (const { id, sealed } of rows) {
          const replacement = reseal(sealed);
          if (replacement === undefined) continue;
          tx.run(sql`update ${tableName} set ${columnName} = ${replacement} where ${keyName} = ${id}`);
          resealed += 1;
        }
      }
      return resealed;
    });
  }
  return { resealAll: promised(resealAll) };
}
