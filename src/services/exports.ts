import { pipeline, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setImmediate } from 'node:timers/promises';
import { stringify } from 'csv-stringify';
import { ZipFile } from 'yazl';
import type { SnapshotObjectRow, SnapshotRow } from '../../db/schema.ts';
import { InvalidInputError } from '../errors.ts';
import type { BlobRef, BlobStore, BlobStores } from '../storage/blob-store.ts';
import type { ExportLink, ExportLinks } from './export-links.ts';
import type { SnapshotQueries } from './snapshot-queries.ts';
import type { SalesforceRecord, SnapshotService } from './snapshots.ts';
import type { Viewer } from './viewer.ts';

/** Records opened at a time: a page's JSON and CSV are all an export holds. */
const EXPORT_PAGE = 1000;

const isBlobRef = (value: unknown): value is BlobRef =>
  typeof value === 'object' && value !== null && typeof (value as BlobRef).blob === 'string' && typeof (value as BlobRef).size === 'number';

/** Where an export puts a record's file, relative to the object's CSV. */
export const blobPath = (object: string, recordId: string, field: string) => `${object}/${recordId}-${field}`;

/**
 * A value as Salesforce's Data Loader reads it: empty for null, `true`/`false`, numbers and text
 * as they are (dates keep Salesforce's `yyyy-MM-ddTHH:mm:ss.SSS+0000`), a file as the path of its
 * copy beside the CSV (Data Loader reads a base64 field from a file path).
 */
export function dataLoaderValue(value: unknown, filePath: () => string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (isBlobRef(value)) return filePath();
  return JSON.stringify(value);
}

export interface ExportFile {
  name: string;
  contentType: string;
  body: Readable;
}

interface Dependencies {
  storage: SnapshotService;
  snapshots: Pick<SnapshotQueries, 'get'>;
  blobs: BlobStores;
  links: ExportLinks;
}

/**
 * Snapshot exports for Data Loader: one CSV per object (API names as headers, live records only),
 * files beside it, a zip when there are files or several objects. Everything streams a page of
 * records at a time, whatever the size of the snapshot.
 */
export function createExportService({ storage, snapshots, blobs, links }: Dependencies) {
  /** The live records of one object at the snapshot, a page at a time. */
  async function* livePages(snapshot: SnapshotRow, object: string, chain?: string[]): AsyncGenerator<SalesforceRecord[]> {
    const read = await storage.recordReader(snapshot, object);
    for await (const ids of storage.recordIdPages(chain ?? (await storage.chain(snapshot)), object, EXPORT_PAGE)) {
      yield (await read(ids))
        .filter((record) => !record.deleted && record.data)
        .map((record) => record.data);
      // Lets other requests in between pages.
      await setImmediate();
    }
  }

  /**
   * The object's fields: a full backup reads every record with one field list, so the first page
   * has them; records the incrementals since brought may have fields added in the org since.
   */
  async function columnsOf(snapshot: SnapshotRow, object: string): Promise<string[]> {
    const chain = await storage.chain(snapshot);
    const names = new Set<string>(['Id']);
    const add = (records: SalesforceRecord[]) => {
      for (const record of records) for (const name of Object.keys(record)) if (name !== 'attributes') names.add(name);
    };
    for await (const records of livePages(snapshot, object, chain)) {
      add(records);
      break;
    }
    const read = await storage.recordReader(snapshot, object);
    for await (const ids of storage.recordIdPages(chain.slice(0, -1), object, EXPORT_PAGE)) add((await read(ids)).flatMap((record) => (record.data ? [record.data] : [])));
    return [...names];
  }

  async function csvOf(snapshot: SnapshotRow, object: string): Promise<Readable> {
    const columns = await columnsOf(snapshot, object);
    async function* rows() {
      for await (const records of livePages(snapshot, object)) {
        for (const record of records) yield columns.map((name) => dataLoaderValue(record[name], () => blobPath(object, record.Id, name)));
      }
    }
    const csv = stringify({ header: true, columns });
    // pipeline, not pipe: a failure reading the snapshot ends the CSV with the error.
    pipeline(Readable.from(rows()), csv, () => {});
    return csv;
  }

  /**
   * A zip of the objects' CSVs and files, each entry added once the one before is written (yazl
   * writes them in order), so only one is open; a download that stops ends the current entry.
   */
  function archiveOf(snapshot: SnapshotRow, objects: SnapshotObjectRow[]): Readable {
    const zip = new ZipFile();
    const output = zip.outputStream as Readable;
    let current: Readable | undefined;
    output.once('close', () => current?.destroy());
    const addEntry = async (name: string, stream: Readable) => {
      current = stream;
      zip.addReadStreamLazy(name, (callback) => callback(null, stream));
      await finished(stream);
    };
    const fill = async () => {
      // Files are sealed with the organisation's data key; its store opens them as they stream out.
      const files: BlobStore = blobs.forOrganisation(await storage.organisationOfInstance(snapshot.instanceId));
      for (const object of objects) {
        await addEntry(`${object.name}.csv`, await csvOf(snapshot, object.name));
        if (object.blobCount === 0) continue;
        for await (const records of livePages(snapshot, object.name)) {
          for (const record of records) {
            for (const [field, value] of Object.entries(record)) {
              if (isBlobRef(value) && files.has(value.blob)) await addEntry(blobPath(object.name, record.Id, field), files.read(value.blob));
            }
          }
        }
      }
    };
    fill().then(
      () => zip.end(),
      (error: unknown) => output.destroy(error as Error),
    );
    return output;
  }

  const stamp = (snapshot: SnapshotRow) => snapshot.createdAt.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

  /** The objects an export of the snapshot holds: every complete one, or the one named. */
  async function objectsToExport(snapshot: SnapshotRow, object: string | null): Promise<SnapshotObjectRow[]> {
    const complete = (await storage.objectsOf([snapshot.id])).filter((o) => o.state === 'COMPLETE');
    if (object === null) return complete;
    const row = complete.find((o) => o.name === object);
    if (!row) throw new InvalidInputError(`${object} is not an object the snapshot holds`, 'object', [object]);
    return [row];
  }

  return {
    /** A signed link to an export the viewer may read. */
    async createLink(viewer: Viewer, snapshotId: string, object: string | null): Promise<ExportLink> {
      await objectsToExport(await snapshots.get(viewer, snapshotId), object);
      return links.create(viewer, { snapshotId, object });
    },

    openLink: links.open,

    /**
     * One object as CSV (a zip with its files beside it when it has any), or every object the
     * snapshot holds complete as a zip of those.
     */
    async open(viewer: Viewer, snapshotId: string, object: string | null): Promise<ExportFile> {
      const snapshot = await snapshots.get(viewer, snapshotId);
      const objects = await objectsToExport(snapshot, object);
      if (object === null) return { name: `snapshot-${stamp(snapshot)}.zip`, contentType: 'application/zip', body: archiveOf(snapshot, objects) };
      if (objects[0].blobCount > 0) return { name: `${object}-${stamp(snapshot)}.zip`, contentType: 'application/zip', body: archiveOf(snapshot, objects) };
      return { name: `${object}-${stamp(snapshot)}.csv`, contentType: 'text/csv; charset=utf-8', body: await csvOf(snapshot, object) };
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;
