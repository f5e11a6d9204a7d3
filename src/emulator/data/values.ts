/** Conversions between stored values and Salesforce's wire formats. */

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?$/;

/** `2024-01-15T10:30:00.000+0000`, as the REST API writes datetimes. */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23) + '+0000';
}

/** `2024-01-15T10:30:00.000Z`, as Bulk API 2.0 CSV writes datetimes. */
export function formatDatetimeZulu(ms: number): string {
  return new Date(ms).toISOString();
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch ms of an ISO-8601 datetime in any of the forms Salesforce accepts, or null. */
export function parseDatetime(text: string): number | null {
  const m = DATETIME.exec(text);
  if (!m) {
    return DATE_ONLY.test(text) ? parseDatetime(`${text}T00:00:00Z`) : null;
  }
  let zone = m[3] ?? 'Z';
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${zone}`);
  return Number.isNaN(ms) ? null : ms;
}

/** A `YYYY-MM-DD` date that exists in the calendar, or null. */
export function parseDate(text: string): string | null {
  const m = DATE_ONLY.exec(text);
  if (!m) {
    const dt = DATETIME.exec(text);
    return dt ? parseDate(dt[1]) : null;
  }
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || formatDate(ms) !== text ? null : text;
}
