/** The audit log's query and CSV download, as the audit page uses them. */

export const AUDIT_OUTCOMES = ['SUCCEEDED', 'FAILED', 'DENIED'] as const;

export interface AuditEntry {
  id: string;
  at: string;
  actorName: string;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: (typeof AUDIT_OUTCOMES)[number];
  detail: string | null;
  clientAddress: string | null;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  outcome?: AuditEntry['outcome'];
  since?: string;
  until?: string;
}

export interface AuditLogResult {
  auditLog: { edges: { node: AuditEntry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

export const AUDIT_LOG = `query AuditLog($first: Int, $after: String, $filter: AuditFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    edges { node { id at actorName actorRole action targetType targetId outcome detail clientAddress } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const auditExportUrl = (filter: AuditFilter) => `/audit-log.csv?${new URLSearchParams(filter as Record<string, string>)}`;

/** The CSV needs the key in a header, so it is fetched and handed to the browser as a file. */
export async function downloadAuditCsv(apiKey: string, url: string): Promise<void> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!response.ok) throw new Error(`The export failed (${response.status}).`);
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'audit-log.csv';
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}
