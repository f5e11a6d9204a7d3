/** Conversions between stored values and Salesforce's wire formats. */

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?$/;

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayPrefixes = new Map<number, string>();

/**
 * `YYYY-MM-DDTHH:mm:ss.SSS`: serialising pages formats three datetimes per record, so the date
 * part is cached per day and the time built from lookup tables instead of `toISOString`.
 */
function isoWithoutZone(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size < 100_000) dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return prefix + TWO_DIGITS[hours] + ':' + TWO_DIGITS[minutes] + ':' + TWO_DIGITS[seconds] + '.' + THREE_DIGITS[millis];
}

/** `2024-01-15T10:30:00.000+0000`, as the REST API writes datetimes. */
export function formatDatetime(ms: number): string {
  return isoWithoutZone(ms) + '+0000';
}

/** `2024-01-15T10:30:00.000Z`, as Bulk API 2.0 CSV writes datetimes. */
export function formatDatetimeZulu(ms: number): string {
  return isoWithoutZone(ms) + 'Z';
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
