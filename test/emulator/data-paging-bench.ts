/**
 * Measures the data side: generation time and heap for N records per object, then records per
 * second served to jsforce paging through one object with all its fields (2,000-record pages).
 * Run: npx tsx test/emulator/data-paging-bench.ts [recordsPerObject]
 */
import { startDataHarness } from './data-harness.ts';

export async function measureDataSide(recordsPerObject: number) {
  const started = performance.now();
  const harness = await startDataHarness({ records: recordsPerObject });
  const generationMs = performance.now() - started;
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  try {
    const conn = harness.connection();
    const fields = (await conn.sobject('Account').describe()).fields.map((f) => f.name).join(', ');
    const pagingStarted = performance.now();
    let page = await conn.query(`SELECT ${fields} FROM Account`);
    let fetched = page.records.length;
    while (!page.done) {
      page = await conn.queryMore(page.nextRecordsUrl!);
      fetched += page.records.length;
    }
    const pagingMs = performance.now() - pagingStarted;
    return { recordsPerObject, generationMs, heapMb, fetched, pagingMs, recordsPerSecond: fetched / (pagingMs / 1000) };
  } finally {
    await harness.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureDataSide(Number(process.argv[2] ?? 200_000));
  console.log(
    `generated ${result.recordsPerObject * 5} records in ${Math.round(result.generationMs)} ms (heap ${Math.round(result.heapMb)} MB); ` +
      `jsforce paged ${result.fetched} Account records in ${Math.round(result.pagingMs)} ms = ${Math.round(result.recordsPerSecond)} records/s`,
  );
}
