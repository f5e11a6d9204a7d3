import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { YogaLogger } from 'graphql-yoga';
import { DomainError, NotFoundError } from '../errors.ts';
import { EXPORT_LINK_PREFIX } from '../services/export-links.ts';
import type { Services } from '../services/index.ts';
import type { Viewer } from '../services/viewer.ts';
import { refuse } from './refuse.ts';
import { clientAddress, type Authentication } from './context.ts';

export const EXPORTS_PATH = '/exports';

/** The database id of a snapshot's global id (`Snapshot:<id>` in base64url), or undefined. */
function snapshotIdOf(globalId: string | null): string | undefined {
  if (!globalId) return undefined;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  return decoded.startsWith('Snapshot:') ? decoded.slice('Snapshot:'.length) : undefined;
}

/**
 * Snapshot exports over HTTP, streamed as they are written:
 * `GET /exports?snapshot=<id>[&object=<name>]` with `Authorization: Bearer <key>`, or
 * `GET /exports/<signed link>` as `createExportLink` gives it, without a key.
 */
export function exportRoute(services: Services, authentication: Authentication, logger: YogaLogger) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET') return refuse(res, 405, 'METHOD_NOT_ALLOWED', 'Exports are read with GET');
    const url = new URL(req.url ?? '/', 'http://localhost');
    let viewer: Viewer | null;
    let snapshotId: string | undefined;
    let object: string | null;
    if (url.pathname.startsWith(EXPORT_LINK_PREFIX)) {
      const link = await services.exports.openLink(url.pathname.slice(EXPORT_LINK_PREFIX.length));
      if (!link) return refuse(res, 403, 'FORBIDDEN', 'This export link is not valid: it has expired, its key was revoked, or it was changed');
      ({ viewer } = link);
      ({ snapshotId, object } = link.target);
    } else {
      ({ viewer } = await authentication.authenticate(req.headers.authorization, clientAddress(req)));
      if (!viewer) return refuse(res, 401, 'UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>');
      snapshotId = snapshotIdOf(url.searchParams.get('snapshot'));
      object = url.searchParams.get('object');
      if (!snapshotId) return refuse(res, 400, 'BAD_USER_INPUT', 'snapshot must be the id of a snapshot');
    }
    const record = (outcome: 'SUCCEEDED' | 'FAILED', detail: string) =>
      services.audit.record({ actor: viewer, action: 'export', target: { type: 'Snapshot', id: snapshotId }, outcome, detail, clientAddress: clientAddress(req) });
    let file;
    try {
      file = await services.exports.open(viewer, snapshotId, object);
    } catch (error) {
      if (error instanceof DomainError) await record('FAILED', error.message);
      if (error instanceof NotFoundError) return refuse(res, 404, 'NOT_FOUND', error.message);
      if (error instanceof DomainError) return refuse(res, 400, 'BAD_USER_INPUT', error.message);
      throw error;
    }
    await record('SUCCEEDED', object ? `${object} as CSV` : 'the whole snapshot as a zip');
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${file.name.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
    });
    try {
      await pipeline(file.body, res);
    } catch (error) {
      // A client that goes away mid-download ends the export; anything else is worth a line.
      if (!res.destroyed || (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') logger.warn('Export stopped', error);
    }
  };
}
