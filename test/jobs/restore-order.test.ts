import { describe, expect, it } from 'vitest';
import { parentsFirst } from '../../src/services/restore.ts';

describe('the order a restore writes objects in', () => {
  it('puts every parent before the objects that look it up', () => {
    const references = new Map([
      ['Contact', ['Account']],
      ['Case', ['Contact', 'Account']],
      ['Opportunity', ['Account']],
    ]);
    const order = parentsFirst(['Case', 'Opportunity', 'Contact', 'Account'], references);
    expect(order).toHaveLength(4);
    const before = (a: string, b: string) => order.indexOf(a) < order.indexOf(b);
    expect(before('Account', 'Contact')).toBe(true);
    expect(before('Contact', 'Case')).toBe(true);
    expect(before('Account', 'Opportunity')).toBe(true);
  });

  it('ignores parents not being restored, lookups to itself, and ends on cycles', () => {
    const references = new Map([
      ['Account', ['Account', 'User']],
      ['A__c', ['B__c']],
      ['B__c', ['A__c']],
    ]);
    expect(parentsFirst(['Account'], references)).toEqual(['Account']);
    expect(parentsFirst(['A__c', 'B__c'], references).sort()).toEqual(['A__c', 'B__c']);
  });
});
