import { useState } from 'preact/hooks';
import { JOB_KIND_LABEL, JOB_STATUS_LABEL, formatDate, formatNumber } from '../format.ts';
import type { InstanceDetails, Job } from '../types.ts';
import type { Actions } from '../actions.ts';

/** A backup also says how many of the records it checked had changed (null for restores). */
type Progress = Job['progress'] & { changed?: number | null };

function progressText(job: Job) {
  const { processed, total, failed, changed } = job.progress as Progress;
  const counted = total === null ? `${formatNumber(processed)} records` : `${formatNumber(processed)} of ${formatNumber(total)} records`;
  if (changed !== undefined && changed !== null) {
    if (job.status === 'SUCCEEDED' && changed === 0) return `No changes: ${formatNumber(processed)} records checked`;
    return `${formatNumber(changed)} changed, ${counted} checked`;
  }
  return failed > 0 ? `${counted}, ${formatNumber(failed)} failed` : counted;
}

function JobItem({ job, canCancel, actions }: { job: Job; canCancel: boolean; actions: Actions }) {
  const [message, setMessage] = useState<string | null>(null);
  const percent = job.progress.percent;
  const labelId = `job-${job.id}-label`;
  const failures = job.failures?.nodes ?? [];
  const active = job.status === 'QUEUED' || job.status === 'RUNNING';
  return (
    <li class={`job job--${job.status.toLowerCase()}`} data-job-id={job.id} data-status={job.status}>
      <div class="job-line">
        <span id={labelId} class="job-title">
          {JOB_KIND_LABEL[job.kind]}
          {job.objects.length > 0 && <span class="muted"> · {job.objects.join(', ')}</span>}
        </span>
        <span class={`job-status job-status--${job.status.toLowerCase()}`}>{JOB_STATUS_LABEL[job.status]}</span>
      </div>
      <div class="job-progress">
        {/* Without a value a bar is indeterminate (animated): only a job still going may show that. */}
        <progress aria-labelledby={labelId} max={100} value={percent ?? (active ? undefined : 0)} />
        <span class="job-percent">{percent === null ? '' : `${Math.floor(percent)} %`}</span>
      </div>
      <div class="job-meta muted">
        <span>{progressText(job)}</span>
        <span>
          queued <time dateTime={job.queuedAt}>{formatDate(job.queuedAt)}</time>
        </span>
        {job.apiCalls > 0 && <span>{formatNumber(job.apiCalls)} API calls</span>}
      </div>
      {job.error && <p class="job-error">{job.error}</p>}
      {failures.length > 0 && (
        <details class="failures">
          <summary>
            {job.progress.failed} record{job.progress.failed === 1 ? '' : 's'} refused by Salesforce
          </summary>
          <ul>
            {failures.map((node, index) => (
              <li key={`${node.recordId}-${index}`}>
                <span class="mono">
                  {node.object} {node.recordId ?? ''}
                </span>
                : {node.statusCode} — {node.message}
              </li>
            ))}
          </ul>
          {job.failures?.pageInfo?.hasNextPage && <p class="muted">Only the first {failures.length} are shown.</p>}
        </details>
      )}
      {canCancel && active && (
        <button
          type="button"
          class="button button--quiet button--small"
          onClick={async () => setMessage((await actions.cancel(job.id))?.message ?? null)}
        >
          Cancel<span class="visually-hidden"> {JOB_KIND_LABEL[job.kind].toLowerCase()}</span>
        </button>
      )}
      {message && <p class="job-error">{message}</p>}
    </li>
  );
}

export function JobList({ instance, canCancel, actions }: { instance: InstanceDetails; canCancel: boolean; actions: Actions }) {
  const jobs = instance.jobs.nodes;
  const headingId = `instance-${instance.id}-jobs`;
  return (
    <section class="jobs" aria-labelledby={headingId}>
      <h4 id={headingId}>Jobs</h4>
      {jobs.length === 0 ? <p class="muted">No jobs yet.</p> : (
        <ol class="job-list">
          {jobs.map((job) => (
            <JobItem key={job.id} job={job} canCancel={canCancel} actions={actions} />
          ))}
        </ol>
      )}
    </section>
  );
}
