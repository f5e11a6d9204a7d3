import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startConnectedInstance, type ConnectedSetup } from '../helpers/connected-instance.ts';
import { backup } from '../helpers/operations.ts';

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}/;

const RECORDS = `query ($id: ID!, $object: String!, $after: String) {
  snapshot(id: $id) { ... on Snapshot { records(object: $object, first: 100, after: $after) { nodes { fields } pageInfo { endCursor hasNextPage } } } }
}`;

describe('data at rest', () => {
  let setup: ConnectedSetup;
  afterAll(() => setup?.close());

  it('keeps no backed-up field value in plain text in the database files, and keeps them to their owner', async () => {
    setup = await startConnectedInstance({ emulator: { records: 30 } });
    const job = await backup(setup.admin, setup.instanceId, { objects: ['Account', 'Contact', 'Opportunity', 'Case', 'Lead'] });
    expect(job.status).toBe('SUCCEEDED');

    // Every text value the snapshot holds, as the API gives it back (ids and timestamps are stored in the clear to index them).
    const values = new Set<string>();
    // Object names are stored in the clear (they name the rows); a field holding one says nothing more.
    const objectNames = new Set((job.snapshot.objects as { name: string }[]).map((object) => object.name));
    for (const { name } of job.snapshot.objects as { name: string }[]) {
      let after: string | null = null;
      do {
        const page: { nodes: { fields: Record<string, unknown> }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } = (
          await setup.admin.query(RECORDS, { id: job.snapshot.id, object: name, after })
        ).snapshot.records;
        for (const record of page.nodes) {
          for (const value of Object.values(record.fields)) {
            if (typeof value !== 'string' || value.length < 6 || SALESFORCE_ID.test(value) || DATE_OR_TIME.test(value) || objectNames.has(value)) continue;
            values.add(value);
          }
        }
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
    }
    expect(values.size).toBeGreaterThan(100);

    const dataDir = setup.server.dataDir;
    await setup.server.stop();
    const files = readdirSync(dataDir).filter((name) => name.startsWith('backup.db'));
    expect(files).toContain('backup.db');
    const bytes = Buffer.concat(files.map((name) => readFileSync(join(dataDir, name))));
    const found = [...values].filter((value) => bytes.includes(Buffer.from(value)));
    expect(found).toEqual([]);

    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const name of [...files, 'secret.key']) expect(statSync(join(dataDir, name)).mode & 0o777, name).toBe(0o600);
  });
});
