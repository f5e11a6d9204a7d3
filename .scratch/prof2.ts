import Database from 'better-sqlite3';
const [file, snapId, prevId, baseId] = process.argv.slice(2);
const db = new Database(file!);
const keys2 = db.prepare(`SELECT record_id FROM snapshot_records WHERE snapshot_id = @s AND object = 'Contact' AND record_id > @r ORDER BY record_id LIMIT 5000`).pluck();
let t = performance.now(); let r = ''; const all: string[][] = [];
for (;;) { const rows = keys2.all({ s: snapId, r }) as string[]; all.push(rows); if (rows.length < 5000) break; r = rows.at(-1)!; }
console.log('keys per object', (performance.now() - t).toFixed(0));
const probe = (p: string) => `(SELECT deleted||':'||version_hash FROM snapshot_records WHERE snapshot_id=@${p} AND object=@object AND record_id=c.value)`;
const cls = db.prepare(`SELECT c.value, coalesce(${probe('o0')}, ${probe('o1')}) a, coalesce(${probe('n0')}, NULL) b FROM json_each(@ids) c`);
t = performance.now();
for (const rows of all) cls.all({ ids: JSON.stringify(rows), o0: prevId, o1: baseId, n0: snapId, object: 'Contact' });
console.log('classify by value', (performance.now() - t).toFixed(0));
const p1 = db.prepare(`SELECT deleted, version_hash FROM snapshot_records WHERE snapshot_id=? AND object=? AND record_id=?`);
t = performance.now();
for (const rows of all) for (const id of rows) { p1.get(snapId, 'Contact', id); p1.get(prevId, 'Contact', id) ?? p1.get(baseId, 'Contact', id); }
console.log('point gets', (performance.now() - t).toFixed(0));
