import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../schema/index.ts';

describe('schema/schema.graphql', () => {
  it('matches the schema built from the code (run npm run schema:print after changing it)', () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });

  it('names the contract types and enums', () => {
    const sdl = printSchema(schema);
    for (const fragment of [
      'interface Node',
      'interface Error',
      'scalar DateTime',
      'enum Environment {\n  PRODUCTION\n  SANDBOX\n}',
      'enum InstanceStatus {\n  CONNECTED\n  NOT_CONNECTED\n  REAUTH_REQUIRED\n}',
      'enum TokenStatus {\n  AVAILABLE\n  EXPIRED\n  REVOKED\n  USED\n}',
      'enum JobKind {\n  BACKUP\n  RESTORE\n}',
      'enum Role {',
    ]) {
      expect(sdl).toContain(fragment);
    }
  });
});
