import { DEPENDS_ON_ROLE } from '../src/server/role-dependence.ts';
import type { Viewer } from '../src/services/viewer.ts';
import { RoleEnum } from './api-key.ts';
import { builder, viewerOf } from './builder.ts';
import { OrganisationRef } from './organisation.ts';

const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The API key making the request.',
  fields: (t) => ({
    isOperator: t.boolean({ resolve: (viewer) => viewer.kind === 'operator' }),
    role: t.field({
      type: RoleEnum,
      nullable: true,
      description: 'Null for the operator key, which may do everything.',
      extensions: { [DEPENDS_ON_ROLE]: true },
      resolve: (viewer) => (viewer.kind === 'member' ? viewer.role : null),
    }),
    keyName: t.string({ nullable: true, resolve: (viewer) => (viewer.kind === 'member' ? viewer.keyName : null) }),
    organisation: t.field({
      type: OrganisationRef,
      nullable: true,
      resolve: (viewer) => (viewer.kind === 'member' ? viewer.organisationId : null),
    }),
  }),
});

builder.queryField('viewer', (t) => t.field({ type: ViewerRef, resolve: (_root, _args, ctx) => viewerOf(ctx) }));
