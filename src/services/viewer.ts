import { GraphQLError } from 'graphql';
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

export function unauthenticated(message = 'A valid API key is required: send Authorization: Bearer <key>') {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message: string) {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}
