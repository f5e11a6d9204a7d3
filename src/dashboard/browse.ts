/** Documents and shapes of the snapshot browser: a snapshot's objects, its records, one record across snapshots. */

export interface SnapshotObjectDetails {
  name: string;
  state: 'COMPLETE' | 'SKIPPED';
  reason: string | null;
  recordCount: number;
  deletedCount: number;
  blobCount: number;
  blobBytes: number;
}

export interface StoredRecord {
  id: string;
  deleted: boolean;
  fields: Record<string, unknown>;
}

export const RECORDS_SHOWN = 20;
/** Snapshots a record's history reads, newest first. */
export const HISTORY_SNAPSHOTS = 6;

export const SNAPSHOT_OBJECTS = `query SnapshotObjects($id: ID!) {
  snapshot(id: $id) { __typename ... on Snapshot { objects { name state reason recordCount deletedCount blobCount blobBytes } } ... on Error { message } }
}`;

export const SNAPSHOT_RECORDS = `query SnapshotRecords($id: ID!, $object: String!, $search: String, $after: String) {
  snapshot(id: $id) {
    __typename
    ... on Snapshot { records(object: $object, search: $search, first: ${RECORDS_SHOWN}, after: $after) { nodes { id deleted fields } pageInfo { hasNextPage endCursor } } }
    ... on Error { message }
  }
}`;

export const SNAPSHOT_RECORD = `query SnapshotRecord($id: ID!, $object: String!, $recordId: String!) {
  snapshot(id: $id) {
    __typename
    ... on Snapshot { record(object: $object, id: $recordId) { id deleted fields } }
    ... on Error { message }
  }
}`;

const units = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Bytes in the largest unit that keeps the number at 1 or more. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A field's value as a person reads it. */
export const showValue = (value: unknown) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));
