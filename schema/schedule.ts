import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { type BackupPolicyRow, type RetentionPolicyRow, type ScheduledRunRow, type SnapshotRow } from '../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../src/errors.ts';
import type { PruneSummary } from '../src/services/retention.ts';
import { builder, viewerOf, type Context } from './builder.ts';
import { batchedConnection } from './connections.ts';
import { InstanceRef } from './instance.ts';
import { JobRef } from './job.ts';
import { loaded, NO_CACHE, tokenCount } from './loaders.ts';
import { globalId } from './ids.ts';

const BackupFrequencyEnum = builder.enumType('BackupFrequency', {
  values: {
    EVERY_12_HOURS: { description: 'Every 12 hours from the start window (or from when the policy was set).' },
    EVERY_18_HOURS: { description: 'Every 18 hours.' },
    EVERY_24_HOURS: { description: 'Once a day.' },
    CRON: { description: 'When the cron expression says (five fields, UTC; runs at least an hour apart).' },
  },
});

const ScheduledRunOutcomeEnum = builder.enumType('ScheduledRunOutcome', {
  values: {
    STARTED: { description: 'The backup job was started; see its status.' },
    SKIPPED: { description: 'No job could start; `reason` says why.' },
  },
});

const hhmm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const BackupPolicyRef = builder.objectRef<BackupPolicyRow>('BackupPolicy').implement({
  description: 'When the instance is backed up without anyone starting it. Scheduled backups spend no token.',
  fields: (t) => ({
    frequency: t.expose('frequency', { type: BackupFrequencyEnum }),
    cron: t.exposeString('cron', { nullable: true }),
    windowStart: t.string({ nullable: true, description: 'Runs start only from this UTC time of day (HH:MM)…', resolve: (p) => (p.windowStartMinute === null ? null : hhmm(p.windowStartMinute)) }),
    windowHours: t.int({ nullable: true, description: '…for this many hours.', resolve: (p) => (p.windowMinutes === null ? null : p.windowMinutes / 60) }),
    objects: t.exposeStringList('objects', { description: 'Objects to take; empty means the whole org.' }),
    enabled: t.exposeBoolean('enabled'),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', nullable: true }),
  }),
});

const ScheduledRunRef = builder.objectRef<ScheduledRunRow>('ScheduledRun').implement({
  description: 'One scheduled slot: the backup it started, or why none could start.',
  fields: (t) => ({
    scheduledFor: t.expose('scheduledFor', { type: 'DateTime' }),
    claimedAt: t.expose('claimedAt', { type: 'DateTime', description: 'When the scheduler took the run (after downtime, later than scheduledFor).' }),
    status: t.expose('outcome', { type: ScheduledRunOutcomeEnum }),
    reason: t.exposeString('reason', { nullable: true }),
    job: t.field({ type: JobRef, nullable: true, resolve: (run) => run.jobId }),
  }),
});

const RetentionPolicyRef = builder.objectRef<RetentionPolicyRow>('RetentionPolicy').implement({
  description:
    'Grandfather-father-son: every snapshot of the last keepAllDays days, then one a day for dailyWeeks weeks before that, then one a week for weeklyMonths months before that, and never fewer than the last keepLast.',
  fields: (t) => ({
    keepAllDays: t.exposeInt('keepAllDays'),
    dailyWeeks: t.exposeInt('dailyWeeks'),
    weeklyMonths: t.exposeInt('weeklyMonths'),
    keepLast: t.exposeInt('keepLast'),
  }),
});

const PrunedSnapshotRef = builder.objectRef<SnapshotRow>('PrunedSnapshot').implement({
  fields: (t) => ({
    id: t.field({ type: 'ID', resolve: (snapshot) => globalId('Snapshot', snapshot.id) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    incremental: t.boolean({ resolve: (snapshot) => snapshot.baseSnapshotId !== null }),
  }),
});

const PruneSummaryRef = builder.objectRef<PruneSummary>('PruneSummary').implement({
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun'),
    pruned: t.field({ type: [PrunedSnapshotRef], description: 'Snapshots that went (in a dry run: would go), oldest first.', resolve: (s) => s.pruned }),
    kept: t.exposeInt('kept'),
    recordVersionsDeleted: t.exposeInt('recordVersionsDeleted'),
    filesDeleted: t.exposeInt('filesDeleted', { nullable: true, description: 'Null in a dry run, or when a backup ran meanwhile (the next prune deletes them).' }),
    fileBytesBefore: t.exposeFloat('fileBytesBefore'),
    fileBytesAfter: t.exposeFloat('fileBytesAfter'),
  }),
});

const RetentionRulesInput = builder.inputType('RetentionRulesInput', {
  fields: (t) => ({
    keepAllDays: t.int({ required: true }),
    dailyWeeks: t.int({ required: true }),
    weeklyMonths: t.int({ required: true }),
    keepLast: t.int({ required: true }),
  }),
});

/** One batched read per field and tick, keyed by instance id. */
function perInstanceLoader<T>(read: (ctx: Context, ids: readonly string[]) => Promise<Map<string, T>>) {
  return createContextCache(
    (ctx: Context) => new DataLoader<string, T | null>((ids) => loaded(async () => {
      const found = await read(ctx, ids);
      return ids.map((id) => found.get(id) ?? null);
    }), NO_CACHE),
  );
}

const policyLoader = perInstanceLoader((ctx, ids) => ctx.services.schedules.policies(viewerOf(ctx), ids));
const lastRunLoader = perInstanceLoader((ctx, ids) => ctx.services.schedules.lastRuns(viewerOf(ctx), ids));
const retentionLoader = perInstanceLoader((ctx, ids) => ctx.services.schedules.retentionPolicies(viewerOf(ctx), ids));
const grantLoader = perInstanceLoader((ctx, ids) => ctx.services.schedules.currentGrants(viewerOf(ctx), ids));

builder.objectFields(InstanceRef, (t) => ({
  policy: t.field({ type: BackupPolicyRef, nullable: true, resolve: (instance, _args, ctx) => policyLoader(ctx).load(instance.id) }),
  nextBackupAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When the next scheduled backup is due; null without an enabled policy.',
    resolve: async (instance, _args, ctx) => {
      const policy = await policyLoader(ctx).load(instance.id);
      return policy?.enabled ? policy.nextRunAt : null;
    },
  }),
  lastScheduledRun: t.field({ type: ScheduledRunRef, nullable: true, resolve: (instance, _args, ctx) => lastRunLoader(ctx).load(instance.id) }),
  scheduledRuns: t.connection(
    {
      type: ScheduledRunRef,
      description: 'Scheduled runs, newest first: started and skipped.',
      resolve: (instance, args, ctx) =>
        batchedConnection(ctx, 'Instance.scheduledRuns', args, instance.id, (ids, request) => ctx.services.schedules.historyPages(viewerOf(ctx), ids, request)),
    },
    { name: 'ScheduledRunConnection' },
    { name: 'ScheduledRunEdge' },
  ),
  retention: t.field({ type: RetentionPolicyRef, nullable: true, resolve: (instance, _args, ctx) => retentionLoader(ctx).load(instance.id) }),
  tokensLow: t.boolean({
    description: 'Few tokens left (TOKEN_WARNING_AT or fewer, not none): reauthenticate before they run out.',
    resolve: async (instance, _args, ctx) => {
      const remaining = await tokenCount(ctx, instance.id, 'AVAILABLE');
      return remaining > 0 && remaining <= ctx.services.schedules.tokenWarningAt;
    },
  }),
  grantLive: t.boolean({
    description: 'Salesforce has not refused the current grant: scheduled backups run on it, even with every token spent.',
    resolve: async (instance, _args, ctx) => {
      const grant = await grantLoader(ctx).load(instance.id);
      return grant !== null && grant.revokedAt === null;
    },
  }),
  grantCheckedAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When a grant check last had Salesforce accept the current grant (every GRANT_CHECK_MINUTES).',
    resolve: async (instance, _args, ctx) => (await grantLoader(ctx).load(instance.id))?.checkedAt ?? null,
  }),
}));

const mutationErrors = { types: [NotFoundError, InvalidInputError] };

builder.mutationFields((t) => ({
  setBackupPolicy: t.field({
    type: InstanceRef,
    description: 'Sets when the instance is backed up on its own (replacing its policy). Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: mutationErrors,
    args: {
      instanceId: t.arg.globalID({ required: true }),
      frequency: t.arg({ type: BackupFrequencyEnum, required: true }),
      cron: t.arg.string({ description: 'Five fields, UTC; only with CRON.' }),
      windowStart: t.arg.string({ description: 'HH:MM, UTC: runs start only in the window.' }),
      windowHours: t.arg.int({ description: 'Length of the start window, 1 to 24 hours.' }),
      objects: t.arg.stringList({ description: 'Objects to take; empty or absent: the whole org.' }),
      enabled: t.arg.boolean({ description: 'Default true.' }),
    },
    resolve: (_root, { instanceId, ...input }, ctx) => ctx.services.schedules.setPolicy(viewerOf(ctx), InstanceRef.idFrom(instanceId), input),
  }),
  clearBackupPolicy: t.field({
    type: InstanceRef,
    description: 'Removes the backup policy: no more scheduled backups. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: mutationErrors,
    args: { instanceId: t.arg.globalID({ required: true }) },
    resolve: (_root, { instanceId }, ctx) => ctx.services.schedules.clearPolicy(viewerOf(ctx), InstanceRef.idFrom(instanceId)),
  }),
  setRetentionPolicy: t.field({
    type: InstanceRef,
    description: 'Sets how long snapshots are kept; the worker prunes after scheduled backups. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: mutationErrors,
    args: { instanceId: t.arg.globalID({ required: true }), rules: t.arg({ type: RetentionRulesInput, required: true }) },
    resolve: (_root, { instanceId, rules }, ctx) => ctx.services.schedules.setRetention(viewerOf(ctx), InstanceRef.idFrom(instanceId), rules),
  }),
  clearRetentionPolicy: t.field({
    type: InstanceRef,
    description: 'Keeps every snapshot from now on. Role ADMIN.',
    authScopes: { role: 'ADMIN' },
    errors: mutationErrors,
    args: { instanceId: t.arg.globalID({ required: true }) },
    resolve: (_root, { instanceId }, ctx) => ctx.services.schedules.clearRetention(viewerOf(ctx), InstanceRef.idFrom(instanceId)),
  }),
  pruneSnapshots: t.field({
    type: PruneSummaryRef,
    description:
      "Removes the snapshots the instance's retention policy no longer keeps; with dryRun, only says which (and `rules` previews other settings). Role ADMIN.",
    authScopes: { role: 'ADMIN' },
    errors: mutationErrors,
    args: {
      instanceId: t.arg.globalID({ required: true }),
      dryRun: t.arg.boolean({ required: true }),
      rules: t.arg({ type: RetentionRulesInput }),
    },
    resolve: (_root, { instanceId, dryRun, rules }, ctx) => ctx.services.schedules.prune(viewerOf(ctx), InstanceRef.idFrom(instanceId), dryRun, rules),
  }),
}));
