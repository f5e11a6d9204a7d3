import { describe, expect, it } from 'vitest';
import { createCalls, LARGE_FILE_BYTES, withFileContents, withoutFiles } from '../../src/services/restore-files.ts';

const MB = 1024 * 1024;
const record = (id: string, size?: number) => ({ id, values: size === undefined ? { Name: id } : { Name: id, Body: { blob: 'a'.repeat(64), size } } });

describe('sending files back', () => {
  it('puts up to 200 records in a call, no more than 20 MB of files, and a large file alone as multipart', () => {
    const items = [record('a', 8 * MB), record('b', 8 * MB), record('c', 8 * MB), record('big', LARGE_FILE_BYTES + 1), record('d'), record('e', 1)];
    const calls = createCalls(items, (item) => item.values, 200).map((call) => ({ ids: call.items.map((item) => item.id), multipart: call.multipart }));
    expect(calls).toEqual([
      { ids: ['a', 'b'], multipart: false },
      { ids: ['big'], multipart: true },
      { ids: ['c', 'd', 'e'], multipart: false },
    ]);
    const many = Array.from({ length: 450 }, (_, i) => record(String(i)));
    expect(createCalls(many, (item) => item.values, 200).map((call) => call.items.length)).toEqual([200, 200, 50]);
  });

  it('sends the stored bytes as base64, and leaves them out of what is matched after a lost answer', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const values = { Name: 'scan.pdf', Body: { blob: 'f'.repeat(64), size: bytes.length } };
    expect(await withFileContents(values, () => Promise.resolve(bytes))).toEqual({ Name: 'scan.pdf', Body: bytes.toString('base64') });
    expect(withoutFiles(values)).toEqual({ Name: 'scan.pdf' });
  });
});
