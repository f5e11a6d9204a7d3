/** Deterministic seeded data: the same org id, seed and size give the same records. */
import {
  ACCOUNT_TYPES, CASE_ORIGINS, CASE_PRIORITIES, CASE_STATUSES, INDUSTRIES, INVOICE_STATUSES,
  LEAD_SOURCES, OPPORTUNITY_TYPES, RATINGS, STAGES,
} from './objects.ts';
import { generateRecordTypes, generateStandardObjects, recordTypeRows } from './generate-standard.ts';
import { Random } from './prng.ts';
import {
  CASE_SUBJECTS, CITIES, COMPANY_NOUNS, COMPANY_SUFFIXES, COMPANY_WORDS, DESCRIPTIONS, FIRST_NAMES,
  LAST_NAMES, PRODUCTS, TITLES,
} from './sample-values.ts';
import type { OrgStore } from './store.ts';
import type { StoredValue, Table } from './table.ts';
import { formatDate } from './values.ts';

/** Generated history spans these two years; later writes use the real clock. */
const HISTORY_START = Date.UTC(2023, 0, 1);
const HISTORY_END = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

/** Shares repeated strings (dates, company names) between rows instead of one copy each. */
class Interner {
  private readonly map = new Map<string | number, string>();
  get(key: string | number, make: () => string): string {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make();
      this.map.set(key, v);
    }
    return v;
  }
}

interface RowWriter {
  values: StoredValue[];
  set(name: string, value: StoredValue): void;
  commit(): number;
}

function rowWriter(table: Table): RowWriter {
  const values = new Array<StoredValue>(table.fields.length).fill(null);
  const indexes = new Map(table.fields.map((f, i) => [f.name, i]));
  return {
    values,
    set(name, value) {
      values[indexes.get(name)!] = value;
    },
    commit() {
      const row = table.append(values);
      values.fill(null);
      return row;
    },
  };
}

export function generateOrgData(store: OrgStore, orgId: string, seed: number, perObject: number): void {
  const random = (object: string) => new Random(`${orgId}|${seed}|${object}`);
  const dates = new Interner();
  const names = new Interner();
  const dateOf = (ms: number) => dates.get(Math.floor(ms / DAY), () => formatDate(ms));
  const span = HISTORY_END - HISTORY_START;
  const n = perObject;

  // Creation times grow with the row number, as ids do in a real org.
  const createdAt = (r: Random, row: number) => HISTORY_START + Math.floor(((row + r.next()) * span) / Math.max(n, 1));
  const audit = (w: RowWriter, r: Random, created: number) => {
    const modified = r.chance(0.3) ? created + Math.floor(r.next() * (HISTORY_END - created)) : created;
    w.set('IsDeleted', false);
    w.set('CreatedDate', created);
    w.set('LastModifiedDate', modified);
    w.set('SystemModstamp', modified);
    w.set('CreatedById', store.otherUserId);
    w.set('LastModifiedById', store.otherUserId);
  };
  // A parent created before the child: one of the first rows in proportion to the child's row.
  const parentOf = (r: Random, row: number, parents: number) =>
    parents === 0 ? null : r.int(Math.min(parents, Math.max(1, Math.floor(((row + 1) * parents) / n))));

  generateRecordTypes(store);
  const accountRecordTypes = recordTypeRows(store, 'Account');
  const accounts = store.tables.get('Account')!;
  const accountCreated: number[] = [];
  {
    const r = random('Account');
    const w = rowWriter(accounts);
    const tag = orgId.slice(-4);
    for (let row = 0; row < n; row++) {
      const created = createdAt(r, row);
      const a = r.int(COMPANY_WORDS.length);
      const b = r.int(COMPANY_NOUNS.length);
      const c = r.int(COMPANY_SUFFIXES.length);
      const key = (a * 100 + b) * 100 + c;
      const [city, country] = r.pick(CITIES);
      w.set('Name', names.get(key, () => `${COMPANY_WORDS[a]} ${COMPANY_NOUNS[b]} ${COMPANY_SUFFIXES[c]}`));
      w.set('Type', r.pick(ACCOUNT_TYPES));
      w.set('Industry', r.pick(INDUSTRIES));
      w.set('Rating', r.chance(0.7) ? r.pick(RATINGS) : null);
      w.set('AnnualRevenue', r.chance(0.8) ? (1 + r.int(5000)) * 10_000 : null);
      w.set('NumberOfEmployees', 1 + r.int(20_000));
      w.set('Phone', `+1 ${200 + r.int(800)}-555-${String(r.int(10_000)).padStart(4, '0')}`);
      w.set('Website', names.get(`w${a}.${b}`, () => `https://www.${COMPANY_WORDS[a]}${COMPANY_NOUNS[b]}.example.com`.toLowerCase()));
      w.set('BillingCity', city);
      w.set('BillingCountry', country);
      w.set('Description', r.chance(0.2) ? r.pick(DESCRIPTIONS) : null);
      w.set('External_Id__c', r.chance(0.9) ? `ERP-${tag}-${String(row + 1).padStart(7, '0')}` : null);
      w.set('RecordTypeId', r.pick(accountRecordTypes));
      // Subsidiaries point at an earlier account (never one of the first two).
      w.set('ParentId', row > 10 && r.chance(0.15) ? 2 + r.int(row - 2) : null);
      audit(w, r, created);
      accountCreated.push(created);
      w.commit();
    }
  }

  const contacts = store.tables.get('Contact')!;
  const contactAccount = new Int32Array(n);
  {
    const r = random('Contact');
    const w = rowWriter(contacts);
    for (let row = 0; row < n; row++) {
      const account = parentOf(r, row, accounts.length);
      const created = Math.max(createdAt(r, row), account === null ? 0 : accountCreated[account] + 1);
      const first = r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      w.set('AccountId', r.chance(0.95) ? account : null);
      contactAccount[row] = (w.values[contacts.fieldIndex('AccountId')] as number | null) ?? -1;
      w.set('FirstName', r.chance(0.97) ? first : null);
      w.set('LastName', last);
      w.set('Email', `${first}.${last.replace(/\W/g, '')}${row}@mail.example.com`.toLowerCase());
      w.set('Phone', r.chance(0.6) ? `+1 ${200 + r.int(800)}-555-${String(r.int(10_000)).padStart(4, '0')}` : null);
      w.set('Title', r.pick(TITLES));
      w.set('Birthdate', r.chance(0.3) ? dateOf(Date.UTC(1955, 0, 1) + r.int(45 * 365) * DAY) : null);
      w.set('LeadSource', r.chance(0.8) ? r.pick(LEAD_SOURCES) : null);
      w.set('HasOptedOutOfEmail', r.chance(0.1));
      w.set('Description', r.chance(0.1) ? r.pick(DESCRIPTIONS) : null);
      audit(w, r, created);
      w.commit();
    }
  }

  const opportunities = store.tables.get('Opportunity')!;
  {
    const r = random('Opportunity');
    const w = rowWriter(opportunities);
    for (let row = 0; row < n; row++) {
      const account = parentOf(r, row, accounts.length);
      const created = Math.max(createdAt(r, row), account === null ? 0 : accountCreated[account] + 1);
      const stage = r.pick(STAGES);
      const product = r.pick(PRODUCTS);
      const accountName = account === null ? 'Direct' : (accounts.get(account, accounts.fieldIndex('Name')) as string);
      w.set('AccountId', account);
      w.set('Name', `${accountName} - ${product}`);
      w.set('StageName', stage);
      w.set('CloseDate', dateOf(created + (10 + r.int(200)) * DAY));
      w.set('Amount', r.chance(0.9) ? (1 + r.int(100_000)) * 25 + (r.chance(0.3) ? 0.5 : 0) : null);
      w.set('Probability', stage === 'Closed Won' ? 100 : stage === 'Closed Lost' ? 0 : 10 * (1 + r.int(9)));
      w.set('Type', r.pick(OPPORTUNITY_TYPES));
      w.set('LeadSource', r.chance(0.7) ? r.pick(LEAD_SOURCES) : null);
      w.set('Description', r.chance(0.1) ? r.pick(DESCRIPTIONS) : null);
      audit(w, r, created);
      w.commit();
    }
  }

  const cases = store.tables.get('Case')!;
  {
    const r = random('Case');
    const w = rowWriter(cases);
    for (let row = 0; row < n; row++) {
      const contact = parentOf(r, row, contacts.length);
      const account = contact === null ? null : contactAccount[contact] < 0 ? null : contactAccount[contact];
      const created = Math.max(createdAt(r, row), contact === null ? 0 : (contacts.get(contact, contacts.createdDateField) as number) + 1);
      const status = r.pick(CASE_STATUSES);
      w.set('AccountId', account);
      w.set('ContactId', contact);
      w.set('Subject', r.pick(CASE_SUBJECTS));
      w.set('Status', status);
      w.set('Priority', r.pick(CASE_PRIORITIES));
      w.set('Origin', r.pick(CASE_ORIGINS));
      w.set('ClosedDate', status === 'Closed' ? created + r.int(30 * DAY) : null);
      w.set('Description', r.chance(0.3) ? r.pick(DESCRIPTIONS) : null);
      audit(w, r, created);
      w.commit();
    }
  }

  const invoices = store.tables.get('Invoice__c')!;
  {
    const r = random('Invoice__c');
    const w = rowWriter(invoices);
    for (let row = 0; row < n; row++) {
      const account = r.chance(0.9) ? parentOf(r, row, accounts.length) : null;
      const created = Math.max(createdAt(r, row), account === null ? 0 : accountCreated[account] + 1);
      const status = r.pick(INVOICE_STATUSES);
      const paid = status === 'Paid';
      w.set('Account__c', account);
      w.set('Amount__c', (1 + r.int(2_000_000)) / 100);
      w.set('Status__c', status);
      w.set('Due_Date__c', dateOf(created + 30 * DAY));
      w.set('Paid__c', paid);
      w.set('Paid_At__c', paid ? created + r.int(40 * DAY) : null);
      w.set('Quantity__c', 1 + r.int(50));
      w.set('Notes__c', r.chance(0.15) ? r.pick(DESCRIPTIONS) : null);
      audit(w, r, created);
      w.commit();
    }
  }

  generateStandardObjects(store, orgId, seed, perObject, HISTORY_START, HISTORY_END);
  store.clock.advanceTo(HISTORY_END);
}
