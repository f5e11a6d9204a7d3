import type { ArgBuilder } from '@pothos/core';
import type { RestoreOptions } from '../src/services/jobs.ts';
import type { SchemaTypes } from './builder.ts';

/**
 * The options every restore mutation takes (startRestore, restoreDataAlert), declared once with
 * their defaults, and the one decoding of them into what the services check.
 */
export const restoreOptionArgs = (arg: ArgBuilder<SchemaTypes>) => ({
  objects: arg.stringList({ description: 'Objects to restore; every one the restore covers when omitted or empty.' }),
  overwrite: arg.boolean({ defaultValue: true, description: 'When false, records changed in the org since the snapshot are left as they are.' }),
  dryRun: arg.boolean({
    defaultValue: false,
    description: 'Work out what would be undeleted, created, updated or left unchanged (Job.restoreSummary), writing nothing and using no token.',
  }),
});

export const restoreOptions = (args: { objects?: string[] | null; overwrite?: boolean | null; dryRun?: boolean | null }): RestoreOptions => ({
  objects: args.objects ?? [],
  overwrite: args.overwrite ?? true,
  dryRun: args.dryRun ?? false,
});
