import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Role } from '../db/schema.ts';
import { forbiddenMessage } from './forbidden.ts';
import { decodeGlobalId, globalId } from './ids.ts';
import type { Services } from '../src/services/index.ts';
import { hasRole, type Viewer } from '../src/services/viewer.ts';

export interface Context {
  /** Null when the request carried no key, or one that matches nothing. */
  viewer: Viewer | null;
  /** Whether a key was sent at all, to tell a missing key from a wrong one. */
  apiKeyPresented: boolean;
  /** The caller's network address, for the audit log. */
  clientAddress: string;
  services: Services;
}

export function unauthenticated(message = 'A valid API key is required: send Authorization: Bearer <key>') {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message: string) {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/** The viewer of a field that scope-auth already required to be authenticated. */
export function viewerOf(ctx: Context): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  AuthScopes: { authenticated: boolean; operator: boolean; role: Role };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin, ErrorsPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: ctx.viewer !== null,
      operator: ctx.viewer?.kind === 'operator',
      role: (role) => ctx.viewer !== null && hasRole(ctx.viewer, role),
    }),
    unauthorizedError: (_parent, ctx, _info, result) => {
      if (ctx.viewer) return forbidden(forbiddenMessage(ctx.viewer, result.failure));
      return unauthenticated(ctx.apiKeyPresented ? 'The API key is not recognised' : undefined);
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    // Connections also list their nodes directly, for clients that need no cursor per item.
    nodesOnConnection: true,
    decodeGlobalID: (globalID) => {
      const decoded = decodeGlobalId(globalID);
      if (!decoded) throw new GraphQLError(`"${globalID}" is not a valid id`, { extensions: { code: 'BAD_USER_INPUT' } });
      return decoded;
    },
    encodeGlobalID: (typename, id) => globalId(typename, String(id)),
  },
  errors: {
    directResult: true,
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`,
    },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({ authScopes: { authenticated: true } });
builder.mutationType({ authScopes: { authenticated: true } });
builder.subscriptionType({ authScopes: { authenticated: true } });

export type SchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
