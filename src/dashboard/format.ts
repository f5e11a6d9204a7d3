const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const number = new Intl.NumberFormat();

export const formatDate = (iso: string) => dateTime.format(new Date(iso));
export const formatNumber = (value: number) => number.format(value);

export const STATUS_LABEL = {
  CONNECTED: 'Connected',
  NOT_CONNECTED: 'Not connected',
  REAUTH_REQUIRED: 'Reauthentication required',
} as const;

export const JOB_STATUS_LABEL = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
} as const;

export type ExhaustionReason = 'LIMIT_REACHED' | 'REVOKED_BY_SALESFORCE';

const EXHAUSTION_REASON: Record<ExhaustionReason, string> = {
  LIMIT_REACHED: 'every token of this grant is used',
  REVOKED_BY_SALESFORCE: 'Salesforce refused the grant (revoked, evicted by a sixth approval, or expired)',
};

/** The API's message ("expired access/refresh token") with why, as tokenExhausted and TokenExpired say. */
export const exhaustionText = (message: string, reason: ExhaustionReason) => `${message}: ${EXHAUSTION_REASON[reason]}`;

export const JOB_KIND_LABEL = { BACKUP: 'Backup', RESTORE: 'Restore' } as const;

const RANK = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 } as const;
export type Role = keyof typeof RANK;

/** The operator key (role null) may do everything; organisation keys by role. */
export function allowed(role: string | null, needed: Role): boolean {
  return role === null || (role in RANK && RANK[role as Role] >= RANK[needed]);
}
