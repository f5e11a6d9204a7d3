/**
 * Rows of Bulk API 2.0 CSV (RFC 4180: fields quoted when needed, quotes doubled, line breaks
 * inside quotes) from text that arrives in chunks cut anywhere. A general CSV library parsed
 * Salesforce's result pages at about a fifth of the speed the rest of the backup goes.
 */
export class CsvRowReader {
  private pending = '';

  constructor(private readonly delimiter = ',') {}

  /** The rows complete so far; an unfinished row waits for the next chunk. */
  push(chunk: string): string[][] {
    this.pending += chunk;
    const { rows, consumed } = parseRows(this.pending, this.delimiter, false);
    this.pending = this.pending.slice(consumed);
    return rows;
  }

  /** The last row, when the text does not end with a line break. */
  end(): string[][] {
    const { rows } = parseRows(this.pending, this.delimiter, true);
    this.pending = '';
    return rows;
  }
}

function parseRows(text: string, delimiter: string, final: boolean): { rows: string[][]; consumed: number } {
  const rows: string[][] = [];
  let start = 0;
  rows: while (start < text.length) {
    const row: string[] = [];
    let i = start;
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        let close = text.indexOf('"', i + 1);
        let escaped = false;
        while (close !== -1 && text[close + 1] === '"') {
          escaped = true;
          close = text.indexOf('"', close + 2);
        }
        if (close === -1 || (close + 1 === text.length && !final)) break rows;
        value = text.slice(i + 1, close);
        if (escaped) value = value.replaceAll('""', '"');
        i = close + 1;
      } else {
        let end = i;
        while (end < text.length && text[end] !== delimiter && text[end] !== '\n' && text[end] !== '\r') end++;
        if (end === text.length && !final) break rows;
        value = text.slice(i, end);
        i = end;
      }
      row.push(value);
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (i < text.length && text[i] !== '\n') throw new Error(`Malformed CSV at character ${i}`);
      if (i >= text.length && !final) break rows;
      i++;
      break;
    }
    rows.push(row);
    start = i;
  }
  return { rows, consumed: start };
}
