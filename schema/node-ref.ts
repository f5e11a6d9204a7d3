import { isObjectType, Kind, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { globalId } from '../src/global-ids.ts';
import type { Services } from '../src/services/index.ts';
import type { Viewer } from '../src/services/viewer.ts';
import { builder, viewerOf } from './builder.ts';
import { localId } from './ids.ts';
import { NO_CACHE } from './loaders.ts';

/**
 * A Relay node type loaded in batches by id through a service that checks the viewer; rows it may
 * not see are left out, so they resolve as not found. `idFrom` turns a global id argument into the
 * row's id; an id of another type is not found either, like an unknown one.
 */
export function nodeRef<T extends { id: string }>(name: string, load: (services: Services, viewer: Viewer, ids: readonly string[]) => T[] | Promise<T[]>) {
  const ref = builder.loadableNodeRef<T, string, string>(name, {
    loaderOptions: NO_CACHE,
    id: { resolve: (row) => row.id },
    // Async, so a synchronous throw rejects as itself (see `loaded`) and a load may also batch across contexts.
    load: async (ids, ctx) => load(ctx.services, viewerOf(ctx), ids),
    sort: (row) => row.id,
  });
  return Object.assign(ref, { idFrom: (decoded: { typename: string; id: string }) => localId(decoded, name) });
}

/** True when the field's object is asked for nothing but its id (and __typename). */
function asksOnlyId(info: GraphQLResolveInfo): boolean {
  return info.fieldNodes.every((node) =>
    node.selectionSet?.selections.every((selection) => selection.kind === Kind.FIELD && (selection.name.value === 'id' || selection.name.value === '__typename')),
  );
}

/**
 * A node a field points at by id, for a loadable node's resolver: loaded when any of its fields is
 * asked for, but only its id (`job { instance { id } }`, on every job of a list or every job event)
 * is answered from the id alone, without a statement. Its parent was already checked for the viewer.
 */
export function pointedAt<T extends { id: string }>(id: string, info: GraphQLResolveInfo): T | string {
  return asksOnlyId(info) ? ({ id } as T) : id;
}

/**
 * Every node type comes from `nodeRef`, whose id is its row's `id`. Pothos resolves a node's
 * global id through two awaits, a promise per id: a dashboard answer holds hundreds of ids.
 * Here each is encoded synchronously, to the same value.
 */
export function withSynchronousNodeIds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || !type.getInterfaces().some((node) => node.name === 'Node')) continue;
    const typename = type.name;
    type.getFields().id.resolve = (row: { id: string }) => globalId(typename, String(row.id));
  }
  return schema;
}
