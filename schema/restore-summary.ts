import type { ObjectRestoreSummaryValue, RestoreSummaryValue } from '../db/schema.ts';
import { builder } from './builder.ts';
import { JobRef } from './job.ts';

const FieldChangeRef = builder.objectRef<ObjectRestoreSummaryValue['changes'][number]>('RestoreFieldChange').implement({
  description: 'One field a restore changes (or, in a dry run, would change) on one record.',
  fields: (t) => ({
    recordId: t.exposeString('recordId', { description: 'The record as the snapshot names it.' }),
    field: t.exposeString('field'),
    from: t.field({ type: 'JSON', nullable: true, description: "The org's value before.", resolve: (change) => change.from }),
    to: t.field({ type: 'JSON', nullable: true, description: "The snapshot's value.", resolve: (change) => change.to }),
  }),
});

const counts = {
  undeleted: 'Records brought back from the recycle bin with their ids.',
  created: 'Records purged from the org and created again (new ids).',
  updated: 'Records whose changed fields were written back (only those fields).',
  unchanged: 'Records already equal to the snapshot: not written.',
  skipped: 'Records changed since the snapshot and left as they are (overwrite false).',
  failed: 'Records Salesforce refused; see Job.failures.',
} as const;

const ObjectRestoreSummaryRef = builder.objectRef<ObjectRestoreSummaryValue>('ObjectRestoreSummary').implement({
  fields: (t) => ({
    object: t.exposeString('object'),
    ...Object.fromEntries(Object.entries(counts).map(([name, description]) => [name, t.exposeInt(name as keyof typeof counts, { description })])),
    changes: t.field({ type: [FieldChangeRef], description: 'A few of the field changes, as samples.', resolve: (summary) => summary.changes }),
  }),
});

const RestoreSummaryRef = builder.objectRef<RestoreSummaryValue>('RestoreSummary').implement({
  description: 'What a restore did, or what a dry run found it would do, per object and in total.',
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun', { description: 'Nothing was written: the counts say what a restore would do now.' }),
    ...Object.fromEntries(
      Object.entries(counts).map(([name, description]) => [
        name,
        t.int({ description, resolve: (summary) => summary.objects.reduce((sum, o) => sum + o[name as keyof typeof counts], 0) }),
      ]),
    ),
    objects: t.field({ type: [ObjectRestoreSummaryRef], resolve: (summary) => summary.objects }),
  }),
});

builder.objectFields(JobRef, (t) => ({
  restoreSummary: t.field({
    type: RestoreSummaryRef,
    nullable: true,
    description: "A restore's outcome per object once it ends (null for backups).",
    resolve: (job) => job.restoreSummary ?? null,
  }),
}));
