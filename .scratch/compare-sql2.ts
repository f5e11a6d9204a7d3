import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
import { createSnapshotService } from '../src/services/snapshots.ts';
import { createCompareService } from '../src/services/compare.ts';
import { instances, organisations } from '../db/schema.ts';

const N = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'cmp-'));
const database = openDatabase(join(dir, 'b.db'));
database.db.insert(organisations).values({ id: 'o', name: 'o' }).run();
database.db.insert(instances).values({ id: 'i', organisationId: 'o', environment: 'PRODUCTION', name: 'i', loginUrl: 'x', tokenLimit: 5 }).run();
const s = createSnapshotService(database as any);
const cmp = createCompareService({ db: database.db, sqlite: database.sqlite, storage: s, snapshots: { get: () => { throw new Error(); } } as any });
const id = (n: number) => `003${String(n).padStart(15, '0')}`;
const rec = (n: number, v = 0) => ({ Id: id(n), IsDeleted: false, LastName: `Name ${n}`, Email: `p${n}@example.com`, Title: v ? `T${v}` : null, Phone: '555' });
function fill(snap: any, from: number, to: number, v: (n: number) => number) {
  for (let start = from; start < to; start += 5000) {
    const batch = [];
    for (let n = start; n < Math.min(to, start + 5000); n++) batch.push(rec(n, v(n)));
    s.storeRecords(snap.id, 'Contact', batch);
  }
}
const obj = [{ name: 'Contact', highWaterMark: null, state: 'COMPLETE' as const, reason: null, hasBlobs: false }];
let t = Date.now();
const A = s.begin('i', 'j1', undefined); fill(A, 0, N, () => 0); s.complete(A, obj);
console.log('store A', Date.now() - t);
await cmp.recordChanges(A);
const changed = Math.floor(N / 100);
const B = s.begin('i', 'j2', A);
fill(B, 0, changed, () => 1);
s.storeRecords(B.id, 'Contact', Array.from({ length: 100 }, (_, k) => ({ ...rec(N - 1 - k), IsDeleted: true })));
fill(B, N, N + 50, () => 0);
s.complete(B, obj);
t = Date.now(); await cmp.recordChanges(B); console.log('record B', Date.now() - t);
const C = s.begin('i', 'j3', undefined);
fill(C, 0, N + 50, (n) => (n < changed ? 1 : n < 2 * changed ? 2 : 0));
s.complete(C, obj);
t = Date.now(); await cmp.recordChanges(C); console.log('record C (full, hash by hash)', Date.now() - t);
const D = s.begin('i', 'j4', C);
fill(D, 5 * changed, 6 * changed, () => 3);
s.complete(D, obj);
t = Date.now(); await cmp.recordChanges(D); console.log('record D', Date.now() - t);
for (const [name, a, b] of [['A->B', A, B], ['B->C', B, C], ['A->C', A, C], ['A->D', A, D], ['D->A', D, A]] as const) {
  const c = cmp.comparison(a, b);
  t = performance.now();
  const counts = cmp.counts(c);
  const tc = performance.now() - t;
  t = performance.now();
  const page = cmp.changes(c, { first: 50 });
  const tp = performance.now() - t;
  t = performance.now();
  const page2 = cmp.changes(c, { first: 50, kinds: ['DELETED'] });
  const tp2 = performance.now() - t;
  console.log(name, JSON.stringify(counts), 'counts ms', tc.toFixed(0), 'page ms', tp.toFixed(0), page.rows.length, 'deleted page ms', tp2.toFixed(0), page2.rows.length);
}
