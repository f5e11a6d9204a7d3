/** The emulated schema: objects, fields and relationships, as describe reports them. */
import { dataObject, field, lookup, readOnly, systemFields, type ObjectDef } from './field-defs.ts';
import { RECORD_TYPE, STANDARD_OBJECTS } from './standard-objects.ts';

export type { FieldDef, FieldType, ObjectDef } from './field-defs.ts';

export const INDUSTRIES = ['Agriculture', 'Banking', 'Biotechnology', 'Construction', 'Consulting', 'Education', 'Energy', 'Engineering', 'Finance', 'Healthcare', 'Hospitality', 'Insurance', 'Manufacturing', 'Media', 'Retail', 'Technology', 'Telecommunications', 'Transportation'];
export const ACCOUNT_TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other'];
export const RATINGS = ['Hot', 'Warm', 'Cold'];
export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
export const STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];
export const OPPORTUNITY_TYPES = ['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'Existing Customer - Downgrade', 'New Customer'];
export const CASE_STATUSES = ['New', 'Working', 'Escalated', 'Closed'];
export const CASE_PRIORITIES = ['High', 'Medium', 'Low'];
export const CASE_ORIGINS = ['Phone', 'Email', 'Web'];
export const INVOICE_STATUSES = ['Draft', 'Sent', 'Paid', 'Overdue', 'Void'];

const ACCOUNT = dataObject('Account', '001', 'Accounts', [
  field('Name', 'string', { nillable: false, nameField: true, label: 'Account Name' }),
  field('Type', 'picklist', { picklistValues: ACCOUNT_TYPES, label: 'Account Type' }),
  field('Industry', 'picklist', { picklistValues: INDUSTRIES }),
  field('Rating', 'picklist', { picklistValues: RATINGS, label: 'Account Rating' }),
  field('AnnualRevenue', 'currency', { label: 'Annual Revenue', scale: 0 }),
  field('NumberOfEmployees', 'int', { label: 'Employees', precision: 8 }),
  field('Phone', 'phone', { label: 'Account Phone' }),
  field('Website', 'url'),
  field('BillingCity', 'string', { length: 40, label: 'Billing City' }),
  field('BillingCountry', 'string', { length: 80, label: 'Billing Country' }),
  field('Description', 'textarea', { label: 'Account Description' }),
  field('External_Id__c', 'string', { length: 50, externalId: true, unique: true, label: 'External Id' }),
  lookup('ParentId', 'Account', 'Parent', false, 'Parent Account ID'),
  lookup('RecordTypeId', 'RecordType', 'RecordType', false, 'Record Type ID'),
]);

const CONTACT = dataObject('Contact', '003', 'Contacts', [
  lookup('AccountId', 'Account', 'Account', true, 'Account ID'),
  field('FirstName', 'string', { length: 40, label: 'First Name' }),
  field('LastName', 'string', { length: 80, nillable: false, label: 'Last Name' }),
  field('Name', 'string', { length: 121, ...readOnly, nillable: false, nameField: true, derived: 'contactName', label: 'Full Name' }),
  field('Email', 'email', { idLookup: true }),
  field('Phone', 'phone', { label: 'Business Phone' }),
  field('Title', 'string', { length: 128 }),
  field('Birthdate', 'date'),
  field('LeadSource', 'picklist', { picklistValues: LEAD_SOURCES, label: 'Lead Source' }),
  field('HasOptedOutOfEmail', 'boolean', { label: 'Email Opt Out' }),
  field('Description', 'textarea', { label: 'Contact Description' }),
]);

const OPPORTUNITY = dataObject('Opportunity', '006', 'Opportunities', [
  lookup('AccountId', 'Account', 'Account', true, 'Account ID'),
  field('Name', 'string', { length: 120, nillable: false, nameField: true, label: 'Name' }),
  field('StageName', 'picklist', { nillable: false, picklistValues: STAGES, label: 'Stage' }),
  field('CloseDate', 'date', { nillable: false, label: 'Close Date' }),
  field('Amount', 'currency'),
  field('Probability', 'percent', { precision: 3, label: 'Probability (%)' }),
  field('Type', 'picklist', { picklistValues: OPPORTUNITY_TYPES, label: 'Opportunity Type' }),
  field('LeadSource', 'picklist', { picklistValues: LEAD_SOURCES, label: 'Lead Source' }),
  field('Description', 'textarea'),
]);

const CASE = dataObject('Case', '500', 'Cases', [
  field('CaseNumber', 'string', {
    length: 30, ...readOnly, nillable: false, defaultedOnCreate: true, autoNumber: true, nameField: true, idLookup: true,
    derived: 'autoNumber', autoNumberFormat: { prefix: '', digits: 8, start: 1001 }, label: 'Case Number',
  }),
  lookup('AccountId', 'Account', 'Account', true, 'Account ID'),
  lookup('ContactId', 'Contact', 'Contact', true, 'Contact ID'),
  field('Subject', 'string'),
  field('Status', 'picklist', { picklistValues: CASE_STATUSES, defaultedOnCreate: true, defaultValue: 'New' }),
  field('Priority', 'picklist', { picklistValues: CASE_PRIORITIES, defaultedOnCreate: true, defaultValue: 'Medium' }),
  field('Origin', 'picklist', { picklistValues: CASE_ORIGINS, label: 'Case Origin' }),
  field('ClosedDate', 'datetime', { label: 'Closed Date' }),
  field('Description', 'textarea'),
]);

const INVOICE = dataObject('Invoice__c', 'a0B', 'Invoices', [
  field('Name', 'string', {
    length: 80, ...readOnly, nillable: false, defaultedOnCreate: true, autoNumber: true, nameField: true, idLookup: true,
    derived: 'autoNumber', autoNumberFormat: { prefix: 'INV-', digits: 6, start: 1 }, label: 'Invoice Number', custom: false,
  }),
  lookup('Account__c', 'Account', 'Account__r', false, 'Account'),
  field('Amount__c', 'currency', { nillable: false, precision: 16 }),
  field('Status__c', 'picklist', { picklistValues: INVOICE_STATUSES, restrictedPicklist: true, defaultedOnCreate: true, defaultValue: 'Draft' }),
  field('Due_Date__c', 'date'),
  field('Paid__c', 'boolean'),
  field('Paid_At__c', 'datetime', { label: 'Paid At' }),
  field('Quantity__c', 'double', { scale: 0 }),
  field('Notes__c', 'textarea', { length: 32768 }),
]);

/** Field history: in describeGlobal and queryable, but not replicateable, so backups skip it. */
const ACCOUNT_HISTORY: ObjectDef = {
  name: 'AccountHistory',
  label: 'Account History',
  labelPlural: 'Account History',
  keyPrefix: '017',
  custom: false,
  createable: false,
  queryable: true,
  replicateable: false,
  readOnly: true,
  fields: [
    ...systemFields(),
    { ...lookup('AccountId', 'Account', 'Account', true, 'Account ID'), createable: false, updateable: false },
    field('Field', 'picklist', { ...readOnly, picklistValues: ['Name', 'Industry', 'Type', 'created'] }),
    field('OldValue', 'string', readOnly),
    field('NewValue', 'string', readOnly),
    field('CreatedDate', 'datetime', { ...readOnly, nillable: false, defaultedOnCreate: true }),
  ],
};

/** Generation order: parents before children. */
export const OBJECTS: ObjectDef[] = [RECORD_TYPE, ACCOUNT, CONTACT, OPPORTUNITY, CASE, INVOICE, ACCOUNT_HISTORY, ...STANDARD_OBJECTS];

/** Objects that hold generated data, parents before children. */
export const DATA_OBJECTS = OBJECTS.filter((o) => !o.readOnly).map((o) => o.name);

const BY_LOWER_NAME = new Map(OBJECTS.map((o) => [o.name.toLowerCase(), o]));

export function findObject(name: string): ObjectDef | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

export interface ChildRelationship {
  childSObject: string;
  field: string;
  relationshipName: string | null;
  cascadeDelete: boolean;
}

const CHILD_RELATIONSHIP_NAMES: Record<string, string> = {
  'Contact.AccountId': 'Contacts',
  'Opportunity.AccountId': 'Opportunities',
  'Case.AccountId': 'Cases',
  'Case.ContactId': 'Cases',
  'Invoice__c.Account__c': 'Invoices__r',
  'AccountHistory.AccountId': 'Histories',
  'Account.ParentId': 'ChildAccounts',
  'Task.WhatId': 'Tasks',
  'Task.WhoId': 'Tasks',
  'Event.WhatId': 'Events',
  'Event.WhoId': 'Events',
  'Attachment.ParentId': 'Attachments',
  'Note.ParentId': 'Notes',
  'ContentVersion.ContentDocumentId': 'ContentVersions',
  'ContentDocumentLink.LinkedEntityId': 'ContentDocumentLinks',
  'ContentDocumentLink.ContentDocumentId': 'ContentDocumentLinks',
  'Loan_Application__c.Account__c': 'Loan_Applications__r',
};

export function childRelationships(parent: string): ChildRelationship[] {
  const children: ChildRelationship[] = [];
  for (const child of OBJECTS) {
    for (const f of child.fields) {
      if (f.type === 'reference' && f.referenceTo.includes(parent)) {
        children.push({
          childSObject: child.name,
          field: f.name,
          relationshipName: CHILD_RELATIONSHIP_NAMES[`${child.name}.${f.name}`] ?? null,
          cascadeDelete: f.cascadeDelete,
        });
      }
    }
  }
  return children;
}
