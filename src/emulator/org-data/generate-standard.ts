/** Seeded records of the catalogue's other objects: a few of each, with values from describe's types. */
import { isIdText, type FieldDef } from './field-defs.ts';
import { Random } from './prng.ts';
import { COMPANY_NOUNS, COMPANY_WORDS, DESCRIPTIONS, FIRST_NAMES, LAST_NAMES } from './sample-values.ts';
import { STANDARD_OBJECTS } from './standard-objects.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';
import { formatDate } from './values.ts';

const DAY = 86_400_000;
const FILE_TYPES: [string, string][] = [['pdf', 'application/pdf'], ['png', 'image/png'], ['csv', 'text/csv'], ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document']];

/** Account, Opportunity and Case record types, generated before the records that use them. */
export function generateRecordTypes(store: OrgStore): void {
  const table = store.tables.get('RecordType')!;
  const types: [string, string][] = [['Account', 'Business'], ['Account', 'Partner'], ['Opportunity', 'New Business'], ['Opportunity', 'Renewal'], ['Case', 'Support']];
  for (const [object, name] of types) {
    const values = new Array<StoredValue>(table.fields.length).fill(null);
    const set = (field: string, value: StoredValue) => (values[table.fieldIndex(field)] = value);
    set('Name', name);
    set('DeveloperName', name.replace(/\W/g, '_'));
    set('SobjectType', object);
    set('IsActive', true);
    set('IsDeleted', false);
    for (const audit of ['CreatedDate', 'LastModifiedDate', 'SystemModstamp']) set(audit, Date.UTC(2022, 11, 1));
    for (const audit of ['CreatedById', 'LastModifiedById']) set(audit, store.otherUserId);
    table.append(values);
  }
}

/** Record type rows of one object. */
export function recordTypeRows(store: OrgStore, object: string): number[] {
  const table = store.tables.get('RecordType')!;
  const field = table.fieldIndex('SobjectType');
  return Array.from({ length: table.length }, (_, row) => row).filter((row) => table.get(row, field) === object);
}

/** Deterministic bytes of every value 0-255: what a file's content looks like to a backup. */
function fileBytes(random: Random, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = random.int(256);
  return bytes;
}

function liveRow(random: Random, table: Table): number | null {
  if (table.length === 0) return null;
  const row = random.int(table.length);
  return table.isDeleted(row) ? null : row;
}

function valueFor(store: OrgStore, random: Random, table: Table, f: FieldDef, row: number, created: number): StoredValue {
  if (isIdText(f)) {
    const target = store.tables.get(random.pick(f.referenceTo))!;
    const parent = liveRow(random, target);
    return parent === null ? null : target.codec.format(parent);
  }
  switch (f.type) {
    case 'reference':
      return liveRow(random, store.table(f.referenceTo[0])!);
    case 'boolean':
      return random.chance(0.5);
    case 'int':
      return random.int(1000);
    case 'double':
    case 'percent':
      return Math.round(random.next() * 10_000) / 100;
    case 'currency':
      return (1 + random.int(100_000)) * 10;
    case 'date':
      return formatDate(created + random.int(365) * DAY);
    case 'datetime':
      return created + random.int(30 * DAY);
    case 'picklist':
      return random.pick(f.picklistValues);
    case 'email':
      return `${random.pick(FIRST_NAMES)}.${row}@mail.example.com`.toLowerCase();
    case 'phone':
      return `+1 ${200 + random.int(800)}-555-${String(random.int(10_000)).padStart(4, '0')}`;
    case 'url':
      return `https://www.${random.pick(COMPANY_WORDS).toLowerCase()}.example.com`;
    case 'textarea':
      return random.chance(0.5) ? random.pick(DESCRIPTIONS) : null;
    case 'base64':
      return fileBytes(random, 64 + random.int(4096)).toString('base64');
    default: {
      if (f.name.endsWith('LastName') || f.name === 'LastName') return random.pick(LAST_NAMES);
      if (f.name === 'FirstName') return random.pick(FIRST_NAMES);
      const text = `${random.pick(COMPANY_WORDS)} ${random.pick(COMPANY_NOUNS)} ${row + 1}`;
      return text.slice(0, f.length || 255);
    }
  }
}

/** Fields a file's content decides: its size, extension and name. */
function describeFile(table: Table, values: StoredValue[], random: Random): void {
  const set = (field: string, value: StoredValue) => {
    const index = table.fieldIndex(field);
    if (index >= 0) values[index] = value;
  };
  const body = values[table.fieldIndex('Body')] ?? values[table.fieldIndex('VersionData')];
  const size = typeof body === 'string' ? Buffer.from(body, 'base64').length : null;
  const [extension, mime] = random.pick(FILE_TYPES);
  const name = `${random.pick(COMPANY_NOUNS)}-${random.int(10_000)}.${extension}`;
  set('BodyLength', size);
  set('ContentSize', size);
  set('ContentType', mime);
  set('Type', extension);
  set('FileExtension', extension);
  set('PathOnClient', name);
  if (table.name === 'Attachment' || table.name === 'Document') set('Name', name);
  if (table.name === 'Document') set('Url', null);
}

export function generateStandardObjects(store: OrgStore, orgId: string, seed: number, records: number, historyStart: number, historyEnd: number): void {
  for (const object of STANDARD_OBJECTS) {
    const rows = object.seedRows?.(records) ?? 0;
    if (rows === 0) continue;
    const table = store.tableOf(object);
    const random = new Random(`${orgId}|${seed}|${object.name}`);
    for (let row = 0; row < rows; row++) {
      const created = historyStart + Math.floor(((row + random.next()) * (historyEnd - historyStart)) / rows);
      const values: StoredValue[] = table.fields.map((f) => {
        if (f.type === 'id' || f.derived || !f.createable) return null;
        if (f.nillable && f.type !== 'boolean' && random.chance(0.15) && f.type !== 'base64') return null;
        return valueFor(store, random, table, f, row, created);
      });
      describeFile(table, values, random);
      values[table.isDeletedField] = false;
      values[table.createdDateField] = created;
      values[table.lastModifiedField] = created;
      values[table.systemModstampField] = created;
      if (table.createdByField >= 0) values[table.createdByField] = values[table.lastModifiedByField] = store.otherUserId;
      table.append(values);
    }
  }
}
