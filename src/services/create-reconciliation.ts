/**
 * Finding what Salesforce made of creates whose answer was lost.
 *
 * A create is saved (its record exactly as sent) before it goes out. When its answer is lost, or
 * the process dies, the records Salesforce created since the send are read back and matched to
 * the saved creates. A record is taken as the copy of a create only when all of these hold:
 * - it was created at or after the create was sent (less a margin for clock skew), by the
 *   restore's user where the object records `CreatedById`;
 * - every field the create sent holds exactly the value sent;
 * - no other snapshot record is mapped to it already;
 * - there are no more such records than creates that sent those same values. Creates that sent
 *   the same values are interchangeable: whichever is paired with which, the org ends the same.
 * Creates with no match are sent again only when every record created in the window is accounted
 * for; otherwise one of those records may be a copy changed since (by a trigger or a person), so
 * they are reported and left for a person to check rather than risk a duplicate.
 */
import type { OrgRecord } from '../salesforce/restore-writes.ts';
import type { SavedCreate } from '../../db/restore-intent-store.ts';

/** A create sent (or about to be), as its restore saved it. */
export type SentCreate = SavedCreate;

export interface Reconciliation {
  /** Creates Salesforce carried out: snapshot id and the new record's id. */
  created: [sourceId: string, newId: string][];
  /** Creates Salesforce did not carry out: safe to send again. */
  notCreated: string[];
  /** Creates whose fate cannot be told apart; never sent again by themselves. */
  undecided: { sourceId: string; reason: string }[];
}

/** How far before a create's send time the org's clock may put its CreatedDate. */
export const CLOCK_SKEW_MS = 5 * 60_000;

const fieldsOf = (body: Record<string, unknown>) => Object.keys(body).filter((name) => name !== 'attributes').sort();

function normalised(value: unknown): unknown {
  if (value === undefined || value === '' || value === null) return null;
  return value;
}

/** The values a record holds in the given fields, as one comparable string. */
export function fingerprint(record: Record<string, unknown>, fields: string[]): string {
  return JSON.stringify(fields.map((name) => [name, normalised(record[name])]));
}

/** The fields to read back from Salesforce to match these creates. */
export const fieldsToMatch = (sent: SentCreate[]) => [...new Set(sent.flatMap((create) => fieldsOf(create.body)))];

/** The earliest moment a record made by one of these creates can carry as CreatedDate. */
export const windowStart = (sent: SentCreate[]) => new Date(Math.min(...sent.map((create) => create.sentAt.getTime())) - CLOCK_SKEW_MS);

/**
 * Pairs creates with the records created since they were sent. `candidates` are those records
 * (ordered by Id); `alreadyMapped` holds ids mapped to other snapshot records.
 */
export function reconcileCreates(sent: SentCreate[], candidates: OrgRecord[], alreadyMapped: Set<string>): Reconciliation {
  const outcome: Reconciliation = { created: [], notCreated: [], undecided: [] };
  const groups = new Map<string, { fields: string[]; creates: SentCreate[]; matches: OrgRecord[] }>();
  for (const create of [...sent].sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime() || a.sourceId.localeCompare(b.sourceId))) {
    const fields = fieldsOf(create.body);
    const key = fingerprint(create.body, fields);
    const group = groups.get(key) ?? { fields, creates: [], matches: [] };
    group.creates.push(create);
    groups.set(key, group);
  }
  const fieldSets = new Map([...groups.values()].map((group) => [group.fields.join(','), group.fields]));

  let unexplained = 0;
  const contested = new Set<string>();
  for (const candidate of candidates) {
    if (alreadyMapped.has(candidate.Id)) continue;
    const matching = [...fieldSets.values()].map((fields) => groups.get(fingerprint(candidate, fields))).filter((group) => group !== undefined);
    if (matching.length === 0) unexplained += 1;
    else if (matching.length > 1) matching.forEach((group) => contested.add(fingerprint(group.creates[0].body, group.fields)));
    else matching[0].matches.push(candidate);
  }

  const since = windowStart(sent).toISOString();
  for (const [key, { creates, matches }] of groups) {
    if (contested.has(key) || matches.length > creates.length) {
      const reason =
        `Salesforce holds ${matches.length} records created since ${since} with exactly the values this restore sent for ` +
        `${creates.length === 1 ? 'this record' : `${creates.length} records`}, so it cannot tell which is its copy. ` +
        'Delete the extra copies in Salesforce, then restore again.';
      creates.forEach((create) => outcome.undecided.push({ sourceId: create.sourceId, reason }));
      continue;
    }
    matches.forEach((match, index) => outcome.created.push([creates[index].sourceId, match.Id]));
    for (const create of creates.slice(matches.length)) {
      if (unexplained === 0) outcome.notCreated.push(create.sourceId);
      else {
        outcome.undecided.push({
          sourceId: create.sourceId,
          reason:
            `Salesforce may have created this record before its answer was lost: ${unexplained} record(s) created since ${since} ` +
            'match nothing this restore sent and could be a copy changed since. Check them in Salesforce, then restore again.',
        });
      }
    }
  }
  return outcome;
}
