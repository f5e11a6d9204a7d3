import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, reconcileCreates, windowStart, type SentCreate } from '../../src/services/create-reconciliation.ts';

const sentAt = new Date('2026-01-01T10:00:00Z');
const sent = (sourceId: string, body: Record<string, unknown>): SentCreate => ({ sourceId, body, sentAt });
const org = (Id: string, fields: Record<string, unknown>) => ({ Id, ...fields });

/** The matching that decides which record Salesforce made of a create whose answer was lost. */
describe('reconciling creates with what Salesforce holds', () => {
  it('maps a record holding exactly the values sent, and sends again only what is absent', () => {
    const outcome = reconcileCreates(
      [sent('a0B1', { Amount__c: 10, Account__c: '001A' }), sent('a0B2', { Amount__c: 20, Account__c: '001A' })],
      [org('a0Bnew1', { Amount__c: 10, Account__c: '001A' })],
      new Set(),
    );
    expect(outcome).toEqual({ created: [['a0B1', 'a0Bnew1']], notCreated: ['a0B2'], undecided: [] });
  });

  it('treats an empty text and null alike, and ignores fields the create did not send', () => {
    const outcome = reconcileCreates([sent('001A', { Name: 'Acme', Phone: '' })], [org('001N', { Name: 'Acme', Phone: null, Industry: 'Media' })], new Set());
    expect(outcome.created).toEqual([['001A', '001N']]);
  });

  it('pairs creates that sent the same values with as many records, whichever with which', () => {
    const outcome = reconcileCreates(
      [sent('003A', { LastName: 'Smith' }), sent('003B', { LastName: 'Smith' }), sent('003C', { LastName: 'Smith' })],
      [org('003X', { LastName: 'Smith' }), org('003Y', { LastName: 'Smith' })],
      new Set(),
    );
    expect(outcome.created.map(([, newId]) => newId)).toEqual(['003X', '003Y']);
    expect(outcome.notCreated).toHaveLength(1);
  });

  it('never maps a record already mapped to another snapshot record', () => {
    const outcome = reconcileCreates([sent('003A', { LastName: 'Smith' })], [org('003X', { LastName: 'Smith' })], new Set(['003X']));
    expect(outcome).toEqual({ created: [], notCreated: ['003A'], undecided: [] });
  });

  it('refuses to guess when more records hold the values than creates sent them', () => {
    const outcome = reconcileCreates([sent('003A', { LastName: 'Smith' })], [org('003X', { LastName: 'Smith' }), org('003Y', { LastName: 'Smith' })], new Set());
    expect(outcome.created).toEqual([]);
    expect(outcome.notCreated).toEqual([]);
    expect(outcome.undecided).toEqual([{ sourceId: '003A', reason: expect.stringMatching(/holds 2 records created since .* cannot tell which is its copy/) }]);
  });

  it('sends nothing again while a record created in the window matches nothing sent: it may be a copy changed since', () => {
    const outcome = reconcileCreates([sent('003A', { LastName: 'Smith' })], [org('003X', { LastName: 'Smith-Jones' })], new Set());
    expect(outcome.notCreated).toEqual([]);
    expect(outcome.undecided[0].reason).toMatch(/1 record\(s\) created since .* match nothing this restore sent/);
  });

  it('looks for records created from a little before the first send, for clock skew', () => {
    const later = { ...sent('x', {}), sentAt: new Date(sentAt.getTime() + 60_000) };
    expect(windowStart([later, sent('y', {})]).getTime()).toBe(sentAt.getTime() - CLOCK_SKEW_MS);
  });
});
