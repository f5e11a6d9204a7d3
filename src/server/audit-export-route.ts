import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { AUDIT_OUTCOMES, type AuditEntryRow, type AuditOutcome } from '../../db/schema.ts';
import { globalId, rowIdOf } from '../../schema/ids.ts';
import type { AuditFilter, AuditLog } from '../services/audit.ts';
import type { Viewer } from '../services/viewer.ts';
import { clientAddress } from './context.ts';

export const AUDIT_EXPORT_PATH = '/audit-log.csv';

const COLUMNS = ['at', 'organisationId', 'actorKind', 'actorName', 'actorRole', 'action', 'targetType', 'targetId', 'outcome', 'detail', 'clientAddress'] as const;

/** Spreadsheets run a cell starting with these as a formula: such text is kept as text. */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvRow(entry: AuditEntryRow): Record<(typeof COLUMNS)[number], string> {
  return {
    at: entry.at.toISOString(),
    organisationId: entry.organisationId ? globalId('Organisation', entry.organisationId) : '',
    actorKind: entry.actorKind,
    actorName: entry.actorName,
    actorRole: entry.actorRole ?? '',
    action: entry.action,
    targetType: entry.targetType ?? '',
    targetId: entry.targetType && entry.targetId ? globalId(entry.targetType, entry.targetId) : '',
    outcome: entry.outcome,
    detail: entry.detail ?? '',
    clientAddress: entry.clientAddress ?? '',
  };
}

class BadFilter extends Error {}

function dateParam(params: URLSearchParams, name: string): Date | null {
  const text = params.get(name);
  if (!text) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new BadFilter(`${name} must be an ISO 8601 date and time`);
  return date;
}

/** The same filter as the `auditLog` query, from the URL's parameters (ids are global ids). */
function filterFrom(params: URLSearchParams): AuditFilter {
  const outcome = params.get('outcome');
  if (outcome && !AUDIT_OUTCOMES.includes(outcome as AuditOutcome)) throw new BadFilter(`outcome must be one of ${AUDIT_OUTCOMES.join(', ')}`);
  return {
    action: params.get('action'),
    actor: params.get('actor'),
    targetId: rowIdOf(params.get('targetId')),
    outcome: outcome as AuditOutcome | null,
    since: dateParam(params, 'since'),
    until: dateParam(params, 'until'),
    organisationId: rowIdOf(params.get('organisationId')),
  };
}

function refuse(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: message }));
}

/**
 * GET /audit-log.csv with the key in `Authorization`: the entries the key may read, newest first,
 * filtered as `auditLog` is, streamed a batch at a time. The export is itself recorded.
 */
export function auditExportRoute(audit: AuditLog, signIn: (req: IncomingMessage) => Promise<Viewer | null>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return refuse(res, 405, 'Use GET');
    const viewer = await signIn(req);
    if (!viewer) return refuse(res, 401, 'A valid API key is required: send Authorization: Bearer <key>');
    let filter: AuditFilter;
    try {
      filter = filterFrom(new URL(req.url ?? '/', 'http://localhost').searchParams);
    } catch (error) {
      if (error instanceof BadFilter) return refuse(res, 400, error.message);
      throw error;
    }
    await audit.record({ actor: viewer, action: 'exportAuditLog', outcome: 'SUCCEEDED', clientAddress: clientAddress(req) });
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    });
    const rows = Readable.from(
      (async function* () {
        for await (const batch of audit.entries(viewer, filter)) for (const entry of batch) yield csvRow(entry);
      })(),
    );
    const csv = stringify({
      header: true,
      columns: [...COLUMNS],
      cast: { string: (value) => (FORMULA_START.test(value) ? `'${value}` : value) },
    });
    await pipeline(rows, csv, res);
  };
}
