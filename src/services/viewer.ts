import { eq, type Column, type SQL } from 'drizzle-orm';
import type { Role } from '../../db/schema.ts';

/** Who is calling: the service operator, or a key scoped to one organisation. */
export type Viewer =
  | { kind: 'operator' }
  | { kind: 'member'; organisationId: string; role: Role; keyId: string; keyName: string; expiresAt: Date | null };

const ROLE_RANK: Record<Role, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

export function hasRole(viewer: Viewer, required: Role): boolean {
  return viewer.kind === 'operator' || ROLE_RANK[viewer.role] >= ROLE_RANK[required];
}

export function canSeeOrganisation(viewer: Viewer, organisationId: string): boolean {
  return viewer.kind === 'operator' || viewer.organisationId === organisationId;
}

/** A condition keeping rows of the viewer's organisation (none for the operator), for batched reads. */
export function organisationOf(viewer: Viewer, organisationColumn: Column): SQL | undefined {
  return viewer.kind === 'operator' ? undefined : eq(organisationColumn, viewer.organisationId);
}

/** One caller's read of one row, among reads of many callers answered by one statement. */
export interface ViewerRead {
  viewer: Viewer;
  id: string;
}
