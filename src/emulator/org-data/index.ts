/** An org's data API: describe, SOQL, records, collections, Bulk 2.0 query, seeded data. */
import type { DataRequest, EmulatorResponse } from '../types.ts';
import { writeContextOf, type WriteCounters } from './automation.ts';
import { BulkQueryJobs, type BulkJobSettings } from './bulk2.ts';
import { Collections } from './collections.ts';
import { basicInfoBody, describeBody, describeGlobalBody } from './describe.ts';
import { ApiError, methodNotAllowed, notFound } from './errors.ts';
import { generateOrgData } from './generate.ts';
import { blobBytes, blobResponse } from './blobs.ts';
import { compositeReads } from './composite.ts';
import { base62Tag } from './ids.ts';
import { Mutator, Transaction } from './mutations.ts';
import { CursorStore } from './query-cursors.ts';
import { continueQuery, runQuery } from './query-rest.ts';
import { liveRecord } from './record-refs.ts';
import { fullRecordWriter } from './records-json.ts';
import { replicationChanges } from './replication.ts';
import { RecordError } from './save-errors.ts';
import { SObjectRest } from './sobject-rest.ts';
import { OrgStore, type StoreDump } from './store.ts';
import type { Table } from './table.ts';

export { RecordError } from './save-errors.ts';
export type { SaveError } from './save-errors.ts';
export { checksumSuffix, to18 } from './ids.ts';
export { DATA_OBJECTS } from './objects.ts';
export type { BulkJobSettings } from './bulk2.ts';
export type { StoreDump } from './store.ts';

const DAY = 86_400_000;
const RECYCLE_BIN_DAYS = 15;

export interface OrgDataOptions {
  orgId: string;
  seed: number;
  /** Generated records per data object (Account, Contact, Opportunity, Case, Invoice__c). */
  records: number;
  /** Records saved by `dump()`: the org starts from them instead of generating its data. */
  saved?: StoreDump;
  /** Clock for audit fields, cursor expiry and date literals (tests); defaults to Date.now. */
  now?: () => number;
}

export class OrgData {
  private readonly store: OrgStore;
  private readonly cursors: CursorStore;
  private readonly bulk: BulkQueryJobs;
  private readonly collections: Collections;
  private readonly sobjects: SObjectRest;
  private readonly mutator: Mutator;
  private readonly now: () => number;

  constructor(opts: OrgDataOptions) {
    this.now = opts.now ?? Date.now;
    this.store = new OrgStore(opts.orgId, opts.seed, this.now);
    const orgTag = base62Tag(`${opts.orgId}:${opts.seed}`, 2);
    this.cursors = new CursorStore(orgTag, this.now);
    this.bulk = new BulkQueryJobs(this.store, orgTag, this.now);
    this.collections = new Collections(this.store);
    this.sobjects = new SObjectRest(this.store);
    this.mutator = new Mutator(this.store);
    if (opts.saved) this.store.load(opts.saved);
    else generateOrgData(this.store, opts.orgId, opts.seed, opts.records);
  }

  /** The org's records as they stand, to start it again from them (`saved`). */
  dump(): StoreDump {
    return this.store.dump();
  }

  handle(req: DataRequest): EmulatorResponse {
    try {
      return this.route(req);
    } catch (err) {
      if (err instanceof ApiError) return err.toResponse();
      throw err;
    }
  }

  /** Live (non-deleted) records per data object. */
  counts(): Record<string, number> {
    return this.store.counts();
  }

  /** Creates a record as the API would (same checks and defaults); returns its id. Throws RecordError. */
  insert(object: string, fields: Record<string, unknown>): string {
    const table = this.writableTable(object);
    return table.codec.format(this.mutator.create(table, fields, new Transaction()));
  }

  /**
   * Updates a live record by id; bumps LastModifiedDate and SystemModstamp. Throws RecordError.
   * `startedAt` models a long transaction that commits now but was stamped when it began.
   */
  update(id: string, fields: Record<string, unknown>, options: { startedAt?: number } = {}): void {
    const ref = liveRecord(this.store, id);
    this.mutator.update(ref.table, ref.row, fields, new Transaction());
    if (options.startedAt !== undefined) {
      ref.table.set(ref.row, ref.table.lastModifiedField, options.startedAt);
      ref.table.set(ref.row, ref.table.systemModstampField, options.startedAt);
    }
  }

  /** Purges every record in the recycle bin (`emptyRecycleBin`): gone from queryAll, still in getDeleted's log. */
  emptyRecycleBin(): number {
    return this.purgeDeleted(() => true);
  }

  /**
   * Lets `days` pass for the recycle bin: deletions move that far into the past, and records
   * deleted more than 15 days ago are purged, as Salesforce does.
   */
  ageRecycleBin(days: number): number {
    const horizon = this.now() - RECYCLE_BIN_DAYS * DAY;
    return this.purgeDeleted((table, row) => {
      const deletedAt = (table.get(row, table.systemModstampField) as number) - days * DAY;
      table.set(row, table.systemModstampField, deletedAt);
      return deletedAt < horizon;
    });
  }

  private purgeDeleted(shouldPurge: (table: Table, row: number) => boolean): number {
    let purged = 0;
    for (const table of this.store.tables.values()) {
      for (let row = 0; row < table.length; row++) {
        if (table.isDeleted(row) && !table.isPurged(row) && shouldPurge(table, row)) {
          table.purge(row);
          purged++;
        }
      }
      table.dropIndexes();
    }
    return purged;
  }

  /** Live records of the objects named (all data objects when none), as `/limits/recordCount` reports them. */
  recordCounts(objects: string[] | undefined): { count: number; name: string }[] {
    const counts = this.store.counts();
    const names = objects ?? Object.keys(counts);
    return names.flatMap((name) => {
      const table = this.store.table(name);
      return table && table.name in counts ? [{ count: counts[table.name], name: table.name }] : [];
    });
  }

  /** Moves a live record (and its cascade) to the recycle bin. Throws RecordError. */
  delete(id: string): void {
    this.mutator.delete([liveRecord(this.store, id)], new Transaction());
  }

  /** A record with all its fields as the REST API returns it (deleted ones too), or undefined. */
  get(id: string, version = '62.0'): Record<string, unknown> | undefined {
    const ref = this.store.resolve(id);
    if (!ref) return undefined;
    return JSON.parse(fullRecordWriter(this.store, ref.table, version)(ref.row)) as Record<string, unknown>;
  }

  /** The raw bytes of a record's base64 field (Attachment.Body, ContentVersion.VersionData), or undefined. */
  blob(id: string, field: string): Buffer | undefined {
    const ref = this.store.resolve(id);
    return ref ? blobBytes(this.store, ref.table, id, field) : undefined;
  }

  /** Ids of an object's records in id order (live ones unless includeDeleted). */
  ids(object: string, options: { limit?: number; includeDeleted?: boolean } = {}): string[] {
    const table = this.store.table(object);
    if (!table) throw new Error(`Unknown object ${object}`);
    const ids: string[] = [];
    const limit = options.limit ?? Infinity;
    for (let row = 0; row < table.length && ids.length < limit; row++) {
      if (table.isPurged(row)) continue;
      if (options.includeDeleted || !table.isDeleted(row)) ids.push(table.codec.format(row));
    }
    return ids;
  }

  /** How Bulk API 2.0 query jobs behave: processing time, page size, a failure to come. */
  configureBulkJobs(settings: Partial<BulkJobSettings>): void {
    Object.assign(this.bulk.settings, settings);
  }

  /** Bulk API 2.0 query jobs created, and polls that found one still in progress. */
  bulkJobStats(): { created: number; pollsInProgress: number; aborted: number } {
    return { ...this.bulk.stats };
  }

  /**
   * SOAP `undelete`: each id's result in order; a record not in the recycle bin, or unknown,
   * fails alone (allOrNone off, as the SOAP API defaults).
   */
  undelete(ids: string[]): { id: string | null; success: boolean; errors: { statusCode: string; message: string }[] }[] {
    return ids.map((id) => {
      const ref = this.store.resolve(id);
      if (!ref || ref.table.object.readOnly) {
        return { id: null, success: false, errors: [{ statusCode: 'INVALID_ID_FIELD', message: `invalid record id ${id}` }] };
      }
      const formatted = ref.table.codec.format(ref.row);
      try {
        this.mutator.undelete(ref, new Transaction());
        return { id: formatted, success: true, errors: [] };
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        return { id: formatted, success: false, errors: err.errors };
      }
    });
  }

  /** Records written through the API and automation set off, since the org started. */
  writeCounters(): WriteCounters {
    return { ...this.store.automation.counters };
  }

  /** Turns the org's assignment rules and its Account duplicate rule on or off (both on by default). */
  setAutomation(settings: { assignmentRules?: boolean; duplicateRules?: boolean }): void {
    Object.assign(this.store.automation, settings);
  }

  /** Open query cursors (to check that paging releases them). */
  openCursors(): number {
    return this.cursors.size;
  }

  private writableTable(object: string): Table {
    const table = this.store.table(object);
    if (!table || table.object.readOnly) throw new RecordError('INVALID_TYPE', `sObject type '${object}' is not supported.`);
    return table;
  }

  private route(req: DataRequest): EmulatorResponse {
    const segments = req.path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const [head, ...rest] = segments;
    const { method, version } = req;
    switch (head) {
      case 'sobjects':
        return this.routeSObjects(req, rest);
      case 'query':
      case 'queryAll':
        if (method !== 'GET') return methodNotAllowed(method, ['GET']);
        if (rest.length === 1) return continueQuery(this.cursors, rest[0], version, req.headers);
        if (rest.length > 1) return notFound();
        return runQuery(this.store, this.cursors, req.query.get('q'), head === 'queryAll', version, req.headers, this.now());
      case 'composite':
        if (rest[0] === 'sobjects') return this.routeCollections(req, rest.slice(1));
        if (rest.length === 0 && method === 'POST') return compositeReads(req, (sub) => this.route(sub));
        return notFound();
      case 'jobs':
        if (rest[0] === 'query') return this.bulk.handle(method, rest.slice(1), req.query, req.body, version);
        return notFound();
      default:
        return notFound();
    }
  }

  private routeSObjects(req: DataRequest, segments: string[]): EmulatorResponse {
    const { method, version } = req;
    if (segments.length === 0) {
      return method === 'GET' ? { status: 200, body: describeGlobalBody(version) } : methodNotAllowed(method, ['GET']);
    }
    const table = this.store.table(segments[0]);
    if (!table) return notFound();
    const object = table.object;
    if (segments.length === 1) {
      if (method === 'GET') return { status: 200, body: basicInfoBody(object, version) };
      if (method === 'POST') {
        if (object.readOnly) return methodNotAllowed(method, ['GET']);
        return this.sobjects.create(table, req.body, writeContextOf(req.headers, req.userId));
      }
      return methodNotAllowed(method, ['GET', 'POST']);
    }
    if (segments.length === 2 && segments[1] === 'describe') {
      return method === 'GET' ? { status: 200, body: describeBody(object, version) } : methodNotAllowed(method, ['GET']);
    }
    if (segments.length === 2 && (segments[1] === 'updated' || segments[1] === 'deleted')) {
      return method === 'GET' ? replicationChanges(table, segments[1], req.query, this.now()) : methodNotAllowed(method, ['GET']);
    }
    if (segments.length === 2) {
      const id = segments[1];
      switch (method) {
        case 'GET':
          return this.sobjects.retrieve(table, id, req.query.get('fields'), version);
        case 'PATCH':
          return object.readOnly ? methodNotAllowed(method, ['GET']) : this.sobjects.update(table, id, req.body, writeContextOf(req.headers, req.userId));
        case 'DELETE':
          return object.readOnly ? methodNotAllowed(method, ['GET']) : this.sobjects.delete(table, id);
        default:
          return methodNotAllowed(method, ['GET', 'PATCH', 'DELETE']);
      }
    }
    if (segments.length === 3 && table.fields[table.fieldIndex(segments[2])]?.type === 'base64') {
      return method === 'GET' ? blobResponse(this.store, table, segments[1], segments[2]) : methodNotAllowed(method, ['GET']);
    }
    if (segments.length === 3) {
      const [, field, value] = segments;
      if (method === 'GET') return this.sobjects.retrieveByExternalId(table, field, value, req.query.get('fields'), version);
      if (method === 'PATCH' && !object.readOnly) return this.sobjects.upsert(table, field, value, req.body, writeContextOf(req.headers, req.userId));
      return methodNotAllowed(method, ['GET', 'PATCH']);
    }
    return notFound();
  }

  private routeCollections(req: DataRequest, segments: string[]): EmulatorResponse {
    const { method, version } = req;
    if (segments.length === 0) {
      switch (method) {
        case 'POST':
          return this.collections.create(req.body, writeContextOf(req.headers, req.userId));
        case 'PATCH':
          return this.collections.update(req.body, writeContextOf(req.headers, req.userId));
        case 'DELETE':
          return this.collections.delete(req.query);
        default:
          return methodNotAllowed(method, ['POST', 'PATCH', 'DELETE']);
      }
    }
    if (segments.length === 1) {
      const body = (req.body ?? {}) as { ids?: string[]; fields?: string[] };
      if (method === 'POST') return this.collections.retrieve(segments[0], body.ids ?? [], body.fields, version);
      if (method === 'GET') {
        const ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
        const fields = req.query.get('fields')?.split(',').filter(Boolean);
        return this.collections.retrieve(segments[0], ids, fields, version);
      }
      return methodNotAllowed(method, ['GET', 'POST']);
    }
    if (segments.length === 2 && method === 'PATCH') return this.collections.upsert(segments[0], segments[1], req.body, writeContextOf(req.headers, req.userId));
    return notFound();
  }
}
