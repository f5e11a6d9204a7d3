/**
 * What a careful user would write by hand: page every object's records through jsforce into an
 * NDJSON file, asking for the next page while writing the current one. Plain JavaScript, run by
 * the benchmark as `node ndjson-baseline.mjs <json args>`; it times itself from the moment it
 * starts working (process start and module loading are not counted) and prints
 * `{ records, seconds }`.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import jsforce from 'jsforce';

const { instanceUrl, accessToken, objects, out } = JSON.parse(process.argv[2]);
const started = performance.now();

const connection = new jsforce.Connection({ instanceUrl, accessToken, version: '62.0' });
const headers = { 'Sforce-Query-Options': 'batchSize=2000' };
const file = createWriteStream(out);
let records = 0;

for (const object of objects) {
  const describe = await connection.sobject(object).describe();
  const fields = describe.fields.filter((f) => f.type !== 'address' && f.type !== 'location').map((f) => f.name);
  let next = connection.request({ method: 'GET', url: `/queryAll?q=${encodeURIComponent(`SELECT ${fields.join(', ')} FROM ${object}`)}`, headers });
  while (next) {
    const page = await next;
    next = page.done || !page.nextRecordsUrl ? undefined : connection.request({ method: 'GET', url: page.nextRecordsUrl, headers });
    let lines = '';
    for (const record of page.records) lines += `${JSON.stringify(record)}\n`;
    records += page.records.length;
    if (!file.write(lines)) await once(file, 'drain');
  }
}
file.end();
await once(file, 'finish');
console.log(JSON.stringify({ records, seconds: (performance.now() - started) / 1000 }));
