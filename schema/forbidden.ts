import { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import type { Role } from '../db/schema.ts';
import type { Viewer } from '../src/services/viewer.ts';

/** The scope a refused field asked for: a role, or the operator key. */
function requiredScope(failure: AuthFailure): { scope: string; parameter: unknown } | undefined {
  if (failure.kind === AuthScopeFailureType.AuthScope) return failure;
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const inner of failure.failures) {
      const found = requiredScope(inner);
      if (found) return found;
    }
  }
  return undefined;
}

/** Why a key was refused, naming what the field needs: "This needs a key with role ADMIN; this key has role VIEWER". */
export function forbiddenMessage(viewer: Viewer, failure: AuthFailure): string {
  const has = viewer.kind === 'operator' ? 'this is the operator key' : `this key has role ${viewer.role}`;
  const required = requiredScope(failure);
  if (required?.scope === 'role') return `This needs a key with role ${required.parameter as Role}; ${has}`;
  if (required?.scope === 'operator') return `This needs the operator key; ${has}`;
  return `This API key is not allowed to do that; ${has}`;
}
