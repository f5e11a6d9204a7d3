import { describe, expect, it } from 'vitest';
import { OrgData } from '../../src/emulator/org-data/index.ts';
import { canonicalId15, checksumSuffix, to18 } from '../../src/emulator/org-data/ids.ts';

describe('record ids', () => {
  it('appends the case checksum: one letter per 5-character chunk, bit i set for a capital', () => {
    expect(to18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    expect(checksumSuffix('000000000000000')).toBe('AAA');
    expect(checksumSuffix('ABCDEABCDEABCDE')).toBe('555');
    expect(checksumSuffix('aBcDe0000000000')).toBe('KAA');
  });

  it('reads 18-character ids in any case back to the case-exact 15', () => {
    expect(canonicalId15('001a0000006vm9riac')).toBe('001A0000006Vm9r');
    expect(canonicalId15('001A0000006Vm9r')).toBe('001A0000006Vm9r');
    expect(canonicalId15('001A0000006Vm9rAAA')).toBe('001a0000006vm9r');
    expect(canonicalId15('001A0000006Vm9r555')).toBeNull();
    expect(canonicalId15('not-an-id')).toBeNull();
  });

  it('gives every generated record an 18-character id with its key prefix and a valid checksum', () => {
    const data = new OrgData({ orgId: '00D000000000001EAA', seed: 1, records: 5 });
    const prefixes: Record<string, string> = { Account: '001', Contact: '003', Opportunity: '006', Case: '500', Invoice__c: 'a0B' };
    for (const [object, prefix] of Object.entries(prefixes)) {
      for (const id of data.ids(object)) {
        expect(id).toHaveLength(18);
        expect(id.startsWith(prefix)).toBe(true);
        expect(to18(id.slice(0, 15))).toBe(id);
      }
    }
  });
});

describe('seeded generation', () => {
  it('is deterministic for an org and seed, and differs between orgs', () => {
    const a = new OrgData({ orgId: '00D000000000001EAA', seed: 1, records: 20 });
    const b = new OrgData({ orgId: '00D000000000001EAA', seed: 1, records: 20 });
    const other = new OrgData({ orgId: '00D000000000002EAA', seed: 2, records: 20 });
    const first = (d: OrgData) => d.get(d.ids('Contact')[7]);
    expect(first(a)).toEqual(first(b));
    expect(a.ids('Account')).toEqual(b.ids('Account'));
    expect(other.ids('Account')[0]).not.toBe(a.ids('Account')[0]);
    expect(first(other)!.Email).not.toBe(first(a)!.Email);
  });

  it('links children to existing parents created before them', () => {
    const data = new OrgData({ orgId: '00D000000000001EAA', seed: 3, records: 200 });
    expect(data.counts()).toMatchObject({ Account: 200, Contact: 200, Opportunity: 200, Case: 200, Invoice__c: 200, Task: 60, Loan_Application__c: 20 });
    for (const id of data.ids('Contact').slice(0, 50)) {
      const contact = data.get(id)!;
      if (contact.AccountId === null) continue;
      const account = data.get(contact.AccountId as string)!;
      expect(account.attributes).toMatchObject({ type: 'Account' });
      expect(Date.parse(String(account.CreatedDate).replace('+0000', 'Z'))).toBeLessThan(
        Date.parse(String(contact.CreatedDate).replace('+0000', 'Z')),
      );
    }
  });
});
