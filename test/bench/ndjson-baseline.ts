/**
 * What a user would write by hand: page every object's records through jsforce into an NDJSON
 * file. Run as its own process by the benchmark: node --import tsx ndjson-baseline.ts <json args>.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import jsforce from 'jsforce';

const { instanceUrl, accessToken, objects, out } = JSON.parse(process.argv[2]) as {
  instanceUrl: string;
  accessToken: string;
  objects: string[];
  out: string;
};

const connection = new jsforce.Connection({ instanceUrl, accessToken, version: '62.0' });
const file = createWriteStream(out);
let records = 0;
for (const object of objects) {
  const describe = await connection.sobject(object).describe();
  const fields = describe.fields.filter((f) => f.type !== 'address' && f.type !== 'location').map((f) => f.name);
  let page = await connection.request<{ done: boolean; nextRecordsUrl?: string; records: unknown[] }>({
    method: 'GET',
    url: `/queryAll?q=${encodeURIComponent(`SELECT ${fields.join(', ')} FROM ${object}`)}`,
    headers: { 'Sforce-Query-Options': 'batchSize=2000' },
  });
  for (;;) {
    for (const record of page.records) {
      if (!file.write(`${JSON.stringify(record)}\n`)) await once(file, 'drain');
    }
    records += page.records.length;
    if (page.done || !page.nextRecordsUrl) break;
    page = await connection.request({ method: 'GET', url: page.nextRecordsUrl, headers: { 'Sforce-Query-Options': 'batchSize=2000' } });
  }
}
file.end();
await once(file, 'finish');
console.log(JSON.stringify({ records }));
