import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
import { prepareSnapshotChanges } from '../db/snapshot-changes.ts';
import { prepareRecordIdPages } from '../db/record-id-pages.ts';
import { createSnapshotService } from '../src/services/snapshots.ts';
import { instances, organisations } from '../db/schema.ts';

const N = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'cmp-'));
const database = openDatabase(join(dir, 'b.db'));
database.db.insert(organisations).values({ id: 'o', name: 'o' }).run();
database.db.insert(instances).values({ id: 'i', organisationId: 'o', environment: 'PRODUCTION', name: 'i', loginUrl: 'x', tokenLimit: 5 }).run();
const s = createSnapshotService(database as any);
const id = (n: number) => `003${String(n).padStart(15, '0')}`;
const rec = (n: number, v = 0) => ({ Id: id(n), IsDeleted: false, LastName: `Name ${n}`, Email: `p${n}@example.com`, Title: v ? `T${v}` : null, Phone: '555' });
function fill(snap: any, from: number, to: number, v: (n: number) => number) {
  for (let start = from; start < to; start += 5000) {
    const batch = [];
    for (let n = start; n < Math.min(to, start + 5000); n++) batch.push(rec(n, v(n)));
    s.storeRecords(snap.id, 'Contact', batch);
  }
}
let t = Date.now();
const A = s.begin('i', 'j1', undefined); fill(A, 0, N, () => 0); s.complete(A, [{ name: 'Contact', highWaterMark: null, state: 'COMPLETE', reason: null, hasBlobs: false }]);
console.log('store A', Date.now() - t);
const changed = Math.floor(N / 100);
t = Date.now();
const B = s.begin('i', 'j2', A);
fill(B, 0, changed, () => 1);
s.storeRecords(B.id, 'Contact', Array.from({ length: 100 }, (_, k) => ({ ...rec(N - 1 - k), IsDeleted: true })));
fill(B, N, N + 50, () => 0);
s.complete(B, [{ name: 'Contact', highWaterMark: null, state: 'COMPLETE', reason: null, hasBlobs: false }]);
console.log('store B', Date.now() - t);
t = Date.now();
const C = s.begin('i', 'j3', undefined);
fill(C, 0, N + 50, (n) => (n < changed ? 1 : n < 2 * changed ? 2 : 0));
s.complete(C, [{ name: 'Contact', highWaterMark: null, state: 'COMPLETE', reason: null, hasBlobs: false }]);
console.log('store C', Date.now() - t);
const ch = prepareSnapshotChanges(database.sqlite);
const chainOf = (x: any) => (x.baseSnapshotId ? [x.id, x.baseSnapshotId] : [x.id]);
for (const [name, a, b] of [['A->B', A, B], ['B->C', B, C], ['A->C', A, C]] as const) {
  const pair = { oldChain: chainOf(a), newChain: chainOf(b), objects: ['Contact'] };
  t = performance.now();
  const counts = ch.counts(pair);
  const tc = performance.now() - t;
  t = performance.now();
  const page = ch.page(pair, { object: null, kinds: ['CREATED', 'UPDATED', 'DELETED'], after: null, limit: 51 });
  const tp = performance.now() - t;
  t = performance.now();
  const page2 = ch.page(pair, { object: null, kinds: ['DELETED'], after: null, limit: 51 });
  const tp2 = performance.now() - t;
  console.log(name, JSON.stringify(counts), 'counts ms', tc.toFixed(0), 'page ms', tp.toFixed(0), page.length, 'deleted page ms', tp2.toFixed(0), page2.length);
}
const pages = prepareRecordIdPages(database.sqlite);
t = performance.now();
let total = 0;
for (const ids of pages([B.id, A.id], 'Contact', 1000)) total += ids.length;
console.log('id pages over B chain', total, (performance.now() - t).toFixed(0), 'ms');
