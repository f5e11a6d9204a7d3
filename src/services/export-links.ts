import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { ApiKeyService } from './api-keys.ts';
import type { Viewer } from './viewer.ts';

/** Long enough for a browser to open it, short enough that a leaked link is soon worthless. */
export const EXPORT_LINK_LIFETIME_MS = 5 * 60_000;

export const EXPORT_LINK_PREFIX = '/exports/';

export interface ExportLink {
  path: string;
  expiresAt: Date;
}

export interface ExportTarget {
  snapshotId: string;
  /** One object, or null for the whole snapshot. */
  object: string | null;
}

/**
 * Signed links to an export, so a browser can download it without sending the key: the link
 * names the key it was made with, which must still be valid when it is opened.
 */
export function createExportLinks(secretKey: Buffer, apiKeys: Pick<ApiKeyService, 'viewerOfKey'>) {
  const signingKey = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'export links', 32));
  const signatureOf = (payload: string) => createHmac('sha256', signingKey).update(payload).digest();

  return {
    create(viewer: Viewer, target: ExportTarget, now = Date.now()): ExportLink {
      const expiresAt = new Date(now + EXPORT_LINK_LIFETIME_MS);
      const keyId = viewer.kind === 'operator' ? null : viewer.keyId;
      const payload = Buffer.from(JSON.stringify([target.snapshotId, target.object, keyId, expiresAt.getTime()])).toString('base64url');
      return { path: `${EXPORT_LINK_PREFIX}${payload}.${signatureOf(payload).toString('base64url')}`, expiresAt };
    },

    /** The export a link names and who made it; undefined when forged, expired, or its key is no longer valid. */
    async open(token: string, now = Date.now()): Promise<{ viewer: Viewer; target: ExportTarget } | undefined> {
      const [payload, signature] = token.split('.');
      if (!payload || !signature) return undefined;
      const expected = signatureOf(payload);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const [snapshotId, object, keyId, expiresAt] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string | null, string | null, number];
      if (expiresAt <= now) return undefined;
      const viewer: Viewer | null = keyId === null ? { kind: 'operator' } : await apiKeys.viewerOfKey(keyId);
      return viewer ? { viewer, target: { snapshotId, object } } : undefined;
    },
  };
}

export type ExportLinks = ReturnType<typeof createExportLinks>;
