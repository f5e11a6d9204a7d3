import { describe, expect, it } from 'vitest';
import { CsvRowReader } from '../../src/salesforce/csv-rows.ts';

const TEXT = '"Id","Name","Description","Amount"\n"001A","Acme, Inc.","He said ""hi""\nand left",""\n"001B","Plain",,"12.5"\r\n"001C","","x"\n';
const ROWS = [
  ['Id', 'Name', 'Description', 'Amount'],
  ['001A', 'Acme, Inc.', 'He said "hi"\nand left', ''],
  ['001B', 'Plain', '', '12.5'],
  ['001C', '', 'x'],
];

describe('Bulk API 2.0 CSV rows', () => {
  it('reads quoted commas, doubled quotes, line breaks in values, empty fields and CRLF', () => {
    const reader = new CsvRowReader();
    expect([...reader.push(TEXT), ...reader.end()]).toEqual(ROWS);
  });

  it('gives the same rows however the text is cut into chunks', () => {
    for (let cut = 1; cut < TEXT.length; cut++) {
      for (const size of [1, 2, 3, 7]) {
        const reader = new CsvRowReader();
        const rows: string[][] = [...reader.push(TEXT.slice(0, cut))];
        for (let i = cut; i < TEXT.length; i += size) rows.push(...reader.push(TEXT.slice(i, i + size)));
        rows.push(...reader.end());
        expect(rows, `cut at ${cut}, chunks of ${size}`).toEqual(ROWS);
      }
    }
  });

  it('keeps the last row without a final line break', () => {
    const reader = new CsvRowReader();
    expect([...reader.push('"a","b"\n"c","d"'), ...reader.end()]).toEqual([['a', 'b'], ['c', 'd']]);
  });
});
