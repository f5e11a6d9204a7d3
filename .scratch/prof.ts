import Database from 'better-sqlite3';
const [file, snapId, prevId, baseId] = process.argv.slice(2);
const db = new Database(file!);
let t = performance.now();
const keys = db.prepare(`SELECT object, record_id AS recordId FROM snapshot_records WHERE snapshot_id = @s AND (object, record_id) > (@o, @r) AND object IN (SELECT value FROM json_each(@objects)) ORDER BY object, record_id LIMIT 5000`);
let after = { o: '', r: '' }; let n = 0; const all: any[] = [];
for (;;) { const rows = keys.all({ s: snapId, o: after.o, r: after.r, objects: '["Contact"]' }) as any[]; n += rows.length; all.push(rows); if (rows.length < 5000) break; after = { o: rows.at(-1).object, r: rows.at(-1).recordId }; }
console.log('keys', n, (performance.now() - t).toFixed(0));
const keys2 = db.prepare(`SELECT object, record_id AS recordId FROM snapshot_records WHERE snapshot_id = @s AND (object, record_id) > (@o, @r) ORDER BY object, record_id LIMIT 5000`);
t = performance.now(); after = { o: '', r: '' }; n = 0;
for (;;) { const rows = keys2.all({ s: snapId, o: after.o, r: after.r }) as any[]; n += rows.length; if (rows.length < 5000) break; after = { o: rows.at(-1).object, r: rows.at(-1).recordId }; }
console.log('keys no IN', n, (performance.now() - t).toFixed(0));
const cls = db.prepare(`WITH c AS (SELECT json_extract(value, '$[0]') AS object, json_extract(value, '$[1]') AS record_id FROM json_each(@candidates))
 SELECT object, record_id, coalesce((SELECT deleted||':'||version_hash FROM snapshot_records WHERE snapshot_id=@o0 AND object=c.object AND record_id=c.record_id),(SELECT deleted||':'||version_hash FROM snapshot_records WHERE snapshot_id=@o1 AND object=c.object AND record_id=c.record_id)) a,
 coalesce((SELECT deleted||':'||version_hash FROM snapshot_records WHERE snapshot_id=@n0 AND object=c.object AND record_id=c.record_id), NULL) b FROM c`);
t = performance.now();
for (const rows of all) cls.all({ candidates: JSON.stringify(rows.map((r: any) => [r.object, r.recordId])), o0: prevId, o1: baseId, n0: snapId });
console.log('classify', (performance.now() - t).toFixed(0));
console.log(db.prepare(`EXPLAIN QUERY PLAN SELECT object, record_id AS recordId FROM snapshot_records WHERE snapshot_id = @s AND (object, record_id) > (@o, @r) AND object IN (SELECT value FROM json_each(@objects)) ORDER BY object, record_id LIMIT 5000`).all({s:'',o:'',r:'',objects:'[]'}));
