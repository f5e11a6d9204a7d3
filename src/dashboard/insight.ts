/** Documents, shapes and live events of the compare, alert and export views. */

export type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

export interface ObjectChanges {
  object: string;
  created: number;
  updated: number;
  deleted: number;
}

export interface RecordChange {
  object: string;
  recordId: string;
  kind: ChangeKind;
  fields: { field: string; old: unknown; new: unknown }[];
  restoreFrom: { id: string };
}

export interface Comparison {
  from: { id: string; createdAt: string };
  to: { id: string; createdAt: string };
  comparedObjects: string[];
  objects: ObjectChanges[];
  changes: { edges: { node: RecordChange }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

export interface DataAlert {
  id: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  instance: { id: string };
  snapshot: { id: string };
  previousSnapshot: { id: string };
  objects: (ObjectChanges & { previousCount: number; percent: number })[];
}

export const CHANGES_SHOWN = 20;

export const COMPARE_SNAPSHOTS = `query CompareSnapshots($from: ID!, $to: ID!, $object: String, $kinds: [ChangeKind!], $after: String) {
  compareSnapshots(from: $from, to: $to) {
    __typename
    ... on SnapshotComparison {
      from { id createdAt } to { id createdAt } comparedObjects
      objects { object created updated deleted }
      changes(object: $object, kinds: $kinds, first: ${CHANGES_SHOWN}, after: $after) {
        edges { node { object recordId kind fields { field old new } restoreFrom { id } } }
        pageInfo { hasNextPage endCursor }
      }
    }
    ... on Error { message }
  }
}`;

const ALERT_FIELDS = `id createdAt acknowledgedAt acknowledgedBy instance { id } snapshot { id } previousSnapshot { id }
  objects { object previousCount created updated deleted percent }`;

export const INSTANCE_ALERTS = `query InstanceAlerts($id: ID!) {
  instance(id: $id) { ... on Instance { dataAlerts(first: 5, unacknowledged: true) { edges { node { ${ALERT_FIELDS} } } } } }
}`;

export const DATA_ALERT_SUBSCRIPTION = `subscription DataAlert($organisationId: ID) { dataAlert(organisationId: $organisationId) { ${ALERT_FIELDS} } }`;

export const ACKNOWLEDGE_ALERT = `mutation AcknowledgeDataAlert($id: ID!) {
  acknowledgeDataAlert(id: $id) { __typename ... on DataAlert { id acknowledgedAt } ... on Error { message } }
}`;

const JOB_OR_ERROR = `__typename ... on Job { id } ... on Error { message }`;

export const RESTORE_ALERT = `mutation RestoreDataAlert($id: ID!, $dryRun: Boolean) {
  restoreDataAlert(id: $id, dryRun: $dryRun) { ${JOB_OR_ERROR} }
}`;

export const RESTORE_RECORD = `mutation RestoreRecord($snapshotId: ID!, $objects: [String!], $recordIds: [ID!]) {
  startRestore(snapshotId: $snapshotId, objects: $objects, recordIds: $recordIds, overwrite: true) { ${JOB_OR_ERROR} }
}`;

export const CREATE_EXPORT_LINK = `mutation CreateExportLink($snapshotId: ID!, $object: String) {
  createExportLink(snapshotId: $snapshotId, object: $object) { __typename ... on ExportLink { url } ... on Error { message } }
}`;

export type JobStartResult = { __typename: string; id?: string; message?: string };

/** Alerts pushed on the page's live connection, for the instance views that show them. */
const alertListeners = new Set<(alert: DataAlert) => void>();

export const alertEvents = {
  publish: (alert: DataAlert) => alertListeners.forEach((listener) => listener(alert)),
  listen(listener: (alert: DataAlert) => void) {
    alertListeners.add(listener);
    return () => alertListeners.delete(listener);
  },
};

/** One line about an alert, for the list and for screen readers. */
export function alertSummary(alert: DataAlert): string {
  return alert.objects
    .map((o) => `${o.object}: ${o.deleted} deleted and ${o.updated} changed of ${o.previousCount} (${o.percent} %)`)
    .join('; ');
}
