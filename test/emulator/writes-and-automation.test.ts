import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { authorizeWithEmulator } from '../helpers/emulator-login.ts';

const QUIET_HEADERS = { 'Sforce-Auto-Assign': 'FALSE', 'Sforce-Duplicate-Rule-Header': 'allowSave=true; includeRecordDetails=false; runAsCurrentUser=false' };

/** What a restore meets in a real org: the recycle bin, automation on writes, and answers lost after a write took effect. */
describe('emulator: undelete, automation and faults on writes', () => {
  let emulator: Emulator;
  let connection: jsforce.Connection;
  beforeEach(async () => {
    emulator = await startEmulator({ records: 10 });
    const grant = await authorizeWithEmulator(emulator);
    connection = new jsforce.Connection({ instanceUrl: grant.instanceUrl, accessToken: grant.accessToken, version: '62.0' });
  });
  afterEach(() => emulator.close());

  const data = () => emulator.data.PRODUCTION;
  const writes = () => data().writeCounters();
  const create = (records: Record<string, unknown>[], headers: Record<string, string> = QUIET_HEADERS) =>
    connection.request<{ id?: string; success: boolean; errors: { statusCode: string }[] }[]>({
      method: 'POST',
      url: '/composite/sobjects',
      body: JSON.stringify({ allOrNone: false, records }),
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('undeletes through the SOAP API: the record keeps its id and its cascade-deleted children come back', async () => {
    const account = data().ids('Account').find((id) => data().ids('Contact').some((c) => data().get(c)!.AccountId === id))!;
    const contacts = data().ids('Contact').filter((c) => data().get(c)!.AccountId === account);
    data().delete(account);
    expect(data().get(contacts[0])!.IsDeleted).toBe(true);

    const results = await connection.soap.undelete([account, data().ids('Contact')[0]]);
    expect(results[0]).toMatchObject({ id: account, success: true });
    // A record that is not in the recycle bin fails alone, as Salesforce says.
    expect(results[1]).toMatchObject({ success: false, errors: [{ statusCode: 'UNDELETE_FAILED', message: 'Entity is not in the recycle bin' }] });
    expect(data().get(account)!.IsDeleted).toBe(false);
    for (const contact of contacts) expect(data().get(contact)!.IsDeleted).toBe(false);
    expect(writes().undeleted).toBe(1);
  });

  it('runs assignment rules unless Sforce-Auto-Assign is FALSE, and a duplicate rule unless allowSave=true', async () => {
    await create([{ attributes: { type: 'Case' }, Subject: 'assigned' }], {});
    expect(writes().assignmentRulesFired).toBe(1);
    await create([{ attributes: { type: 'Case' }, Subject: 'left alone' }]);
    expect(writes().assignmentRulesFired).toBe(1);

    const name = data().get(data().ids('Account')[0])!.Name;
    const [refused] = await create([{ attributes: { type: 'Account' }, Name: name }], { 'Sforce-Auto-Assign': 'FALSE' });
    expect(refused).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATES_DETECTED' }] });
    expect(writes().duplicatesBlocked).toBe(1);
    const [allowed] = await create([{ attributes: { type: 'Account' }, Name: name }]);
    expect(allowed).toMatchObject({ success: true });
    expect(writes()).toMatchObject({ created: 2 + 1, assignmentRulesFired: 1 });
  });

  it('applies a create and then answers 503, or drops the connection: the records exist though the caller saw a failure', async () => {
    const before = data().counts().Invoice__c;
    emulator.failNext({ method: 'POST', path: '/services/data/v62.0/composite/sobjects', status: 503, apply: true });
    await expect(create([{ attributes: { type: 'Invoice__c' }, Amount__c: 1 }, { attributes: { type: 'Invoice__c' }, Amount__c: 2 }])).rejects.toMatchObject({
      name: 'SERVER_UNAVAILABLE',
    });
    expect(data().counts().Invoice__c).toBe(before + 2);

    emulator.failNext({ method: 'POST', path: '/services/data/v62.0/composite/sobjects', status: 503, apply: true, drop: true });
    await expect(create([{ attributes: { type: 'Invoice__c' }, Amount__c: 3 }])).rejects.toThrow();
    expect(data().counts().Invoice__c).toBe(before + 3);

    // Without apply, the request fails before it is carried out.
    emulator.failNext({ method: 'POST', path: '/services/data/v62.0/composite/sobjects', status: 503 });
    await expect(create([{ attributes: { type: 'Invoice__c' }, Amount__c: 4 }])).rejects.toThrow();
    expect(data().counts().Invoice__c).toBe(before + 3);
    expect(emulator.counters().orgs.PRODUCTION.writes).toMatchObject({ created: 3 });
  });
});
