import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import type { ExportLink } from '../src/services/export-links.ts';
import { builder, viewerOf } from './builder.ts';
import { SnapshotRef } from './snapshot.ts';

const ExportLinkRef = builder.objectRef<ExportLink>('ExportLink').implement({
  description: 'A link that downloads an export without the key, until it expires (five minutes).',
  fields: (t) => ({
    url: t.exposeString('path', { description: 'Relative to the service: open it in the browser.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('createExportLink', (t) =>
  t.field({
    type: ExportLinkRef,
    description:
      'A short-lived signed link to a CSV of one object of the snapshot (a zip with its files when it has any), or to a zip of every object when `object` is omitted.',
    errors: { types: [NotFoundError, InvalidInputError] },
    args: { snapshotId: t.arg.globalID({ required: true }), object: t.arg.string() },
    resolve: (_root, args, ctx) => ctx.services.exports.createLink(viewerOf(ctx), SnapshotRef.idFrom(args.snapshotId), args.object ?? null),
  }),
);
