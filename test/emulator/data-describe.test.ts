import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataHarness, type DataHarness } from './data-harness.ts';

let harness: DataHarness;
beforeAll(async () => {
  harness = await startDataHarness({ records: 10 });
});
afterAll(() => harness.close());

describe('describe through jsforce', () => {
  it('lists a real org\'s objects, with history objects that are queryable but not replicateable', async () => {
    const global = await harness.connection().describeGlobal();
    const names = global.sobjects.map((s) => s.name);
    expect(names.length).toBeGreaterThanOrEqual(50);
    expect(names).toEqual(expect.arrayContaining([
      'Account', 'Contact', 'Opportunity', 'Case', 'Invoice__c', 'AccountHistory', 'Attachment', 'ContentVersion', 'Document',
      'Task', 'RecordType', 'Loan_Application__c', 'ContentDocumentLink', 'Vote', 'AccountShare', 'AccountChangeEvent',
    ]));
    const history = global.sobjects.find((s) => s.name === 'AccountHistory')!;
    expect(history).toMatchObject({ queryable: true, replicateable: false, createable: false });
    const invoice = global.sobjects.find((s) => s.name === 'Invoice__c')!;
    expect(invoice).toMatchObject({ custom: true, keyPrefix: 'a0B', replicateable: true });
    expect(invoice.urls.describe).toBe('/services/data/v62.0/sobjects/Invoice__c/describe');
  });

  it('describes fields and relationships', async () => {
    const conn = harness.connection();
    const contact = await conn.sobject('Contact').describe();
    const accountId = contact.fields.find((f) => f.name === 'AccountId')!;
    expect(accountId).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Account', nillable: true, createable: true });
    expect(contact.fields.find((f) => f.name === 'LastName')).toMatchObject({ nillable: false, createable: true, defaultedOnCreate: false });
    expect(contact.fields.find((f) => f.name === 'Id')).toMatchObject({ type: 'id', createable: false, idLookup: true });
    expect(contact.fields.find((f) => f.name === 'SystemModstamp')).toMatchObject({ type: 'datetime', updateable: false });

    const account = await conn.sobject('Account').describe();
    expect(account.fields.find((f) => f.name === 'External_Id__c')).toMatchObject({ externalId: true, unique: true, custom: true });
    expect(account.childRelationships.map((r) => `${r.childSObject}.${r.field}:${r.relationshipName}:${r.cascadeDelete}`)).toEqual(expect.arrayContaining([
      'Contact.AccountId:Contacts:true',
      'Opportunity.AccountId:Opportunities:true',
      'Case.AccountId:Cases:true',
      'Invoice__c.Account__c:Invoices__r:false',
      'AccountHistory.AccountId:Histories:true',
      'Account.ParentId:ChildAccounts:false',
    ]));

    const invoice = await conn.sobject('Invoice__c').describe();
    const types = Object.fromEntries(invoice.fields.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      Amount__c: 'currency', Status__c: 'picklist', Due_Date__c: 'date', Paid__c: 'boolean',
      Notes__c: 'textarea', Account__c: 'reference', Paid_At__c: 'datetime', Quantity__c: 'double',
    });
    const status = invoice.fields.find((f) => f.name === 'Status__c')!;
    expect(status.picklistValues!.map((p) => p.value)).toContain('Paid');
    expect(invoice.fields.find((f) => f.name === 'Name')).toMatchObject({ autoNumber: true, createable: false });
  });

  it('has a polymorphic lookup, base64 files and an object too wide to list in a GET', async () => {
    const conn = harness.connection();
    const task = await conn.sobject('Task').describe();
    expect(task.fields.find((f) => f.name === 'WhatId')).toMatchObject({ type: 'reference', referenceTo: ['Account', 'Opportunity', 'Case', 'Invoice__c'] });
    const attachment = await conn.sobject('Attachment').describe();
    expect(attachment.fields.find((f) => f.name === 'Body')).toMatchObject({ type: 'base64' });
    const wide = await conn.sobject('Loan_Application__c').describe();
    expect(wide.fields.filter((f) => f.custom).length).toBeGreaterThanOrEqual(600);
  });

  it('answers 404 NOT_FOUND for an unknown object', async () => {
    await expect(harness.connection().sobject('Nope__c').describe()).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
      name: 'NOT_FOUND',
    });
  });
});
