/**
 * The rest of a real org's catalogue: files, activities with polymorphic lookups, record types, a
 * very wide custom object, objects Salesforce refuses to query without a filter, and the history,
 * share, feed and change-event objects that only mirror others.
 */
import { dataObject, field, lookup, readOnly, systemFields, type FieldDef, type FieldOptions, type ObjectDef } from './field-defs.ts';

const few = (limit: number) => (records: number) => Math.min(records, limit);

function polymorphic(name: string, targets: string[], relationshipName: string, options: FieldOptions = {}): FieldDef {
  return field(name, 'reference', { referenceTo: targets, relationshipName, ...options });
}

function withOptions(object: ObjectDef, options: Partial<ObjectDef>): ObjectDef {
  return { ...object, ...options };
}

const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];
const PRIORITIES = ['High', 'Normal', 'Low'];

export const RECORD_TYPE = withOptions(
  dataObject('RecordType', '012', 'Record Types', [
    field('Name', 'string', { length: 80, nameField: true, nillable: false }),
    field('DeveloperName', 'string', { length: 80, nillable: false }),
    field('SobjectType', 'picklist', { picklistValues: ['Account', 'Opportunity', 'Case'], nillable: false }),
    field('IsActive', 'boolean'),
    field('Description', 'string'),
  ]),
  { createable: false },
);

const USER = withOptions(
  dataObject('User', '005', 'Users', [
    field('Username', 'string', { length: 80, nillable: false, unique: true, idLookup: true }),
    field('FirstName', 'string', { length: 40 }),
    field('LastName', 'string', { length: 80, nillable: false }),
    field('Email', 'email', { nillable: false }),
    field('Alias', 'string', { length: 8, nillable: false }),
    field('IsActive', 'boolean'),
  ]),
  { seedRows: () => 3 },
);

const LEAD = withOptions(
  dataObject('Lead', '00Q', 'Leads', [
    field('FirstName', 'string', { length: 40 }),
    field('LastName', 'string', { length: 80, nillable: false }),
    field('Company', 'string', { nillable: false }),
    field('Email', 'email'),
    field('Status', 'picklist', { picklistValues: ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'], defaultedOnCreate: true, defaultValue: 'Open - Not Contacted' }),
    field('LeadSource', 'picklist', { picklistValues: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'] }),
  ]),
  { seedRows: few(40) },
);

const WHAT = ['Account', 'Opportunity', 'Case', 'Invoice__c'];
const WHO = ['Contact', 'Lead'];

const TASK = withOptions(
  dataObject('Task', '00T', 'Tasks', [
    polymorphic('WhatId', WHAT, 'What', { label: 'Related To ID' }),
    polymorphic('WhoId', WHO, 'Who', { label: 'Name ID' }),
    field('Subject', 'string'),
    field('Status', 'picklist', { picklistValues: TASK_STATUSES, nillable: false, defaultedOnCreate: true, defaultValue: 'Not Started' }),
    field('Priority', 'picklist', { picklistValues: PRIORITIES, nillable: false, defaultedOnCreate: true, defaultValue: 'Normal' }),
    field('ActivityDate', 'date', { label: 'Due Date Only' }),
    field('Description', 'textarea', { label: 'Comments' }),
  ]),
  { seedRows: few(60) },
);

const EVENT = withOptions(
  dataObject('Event', '00U', 'Events', [
    polymorphic('WhatId', WHAT, 'What', { label: 'Related To ID' }),
    polymorphic('WhoId', WHO, 'Who', { label: 'Name ID' }),
    field('Subject', 'string'),
    field('StartDateTime', 'datetime', { label: 'Start Date Time' }),
    field('EndDateTime', 'datetime', { label: 'End Date Time' }),
    field('Location', 'string'),
  ]),
  { seedRows: few(20) },
);

const CAMPAIGN = withOptions(
  dataObject('Campaign', '701', 'Campaigns', [
    field('Name', 'string', { length: 80, nameField: true, nillable: false }),
    field('Type', 'picklist', { picklistValues: ['Conference', 'Webinar', 'Email', 'Advertisement'] }),
    field('Status', 'picklist', { picklistValues: ['Planned', 'In Progress', 'Completed', 'Aborted'] }),
    field('StartDate', 'date'),
    field('BudgetedCost', 'currency'),
  ]),
  { seedRows: few(5) },
);

const CAMPAIGN_MEMBER = withOptions(
  dataObject('CampaignMember', '00v', 'Campaign Members', [
    lookup('CampaignId', 'Campaign', 'Campaign', true, 'Campaign ID'),
    lookup('ContactId', 'Contact', 'Contact', true, 'Contact ID'),
    field('Status', 'picklist', { picklistValues: ['Sent', 'Responded'] }),
  ]),
  { seedRows: few(20) },
);

const PRODUCT = withOptions(
  dataObject('Product2', '01t', 'Products', [
    field('Name', 'string', { nameField: true, nillable: false, label: 'Product Name' }),
    field('ProductCode', 'string'),
    field('Family', 'picklist', { picklistValues: ['Software', 'Hardware', 'Services'] }),
    field('IsActive', 'boolean'),
  ]),
  { seedRows: few(10) },
);

const PRICEBOOK = withOptions(
  dataObject('Pricebook2', '01s', 'Price Books', [
    field('Name', 'string', { nameField: true, nillable: false }),
    field('IsActive', 'boolean'),
  ]),
  { seedRows: () => 2 },
);

const PRICEBOOK_ENTRY = withOptions(
  dataObject('PricebookEntry', '01u', 'Price Book Entries', [
    lookup('Pricebook2Id', 'Pricebook2', 'Pricebook2', true, 'Price Book ID'),
    lookup('Product2Id', 'Product2', 'Product2', true, 'Product ID'),
    field('UnitPrice', 'currency', { nillable: false }),
    field('IsActive', 'boolean'),
  ]),
  { seedRows: few(10) },
);

const CONTRACT = withOptions(
  dataObject('Contract', '800', 'Contracts', [
    lookup('AccountId', 'Account', 'Account', true, 'Account ID'),
    field('Status', 'picklist', { picklistValues: ['Draft', 'In Approval Process', 'Activated'], nillable: false, defaultedOnCreate: true, defaultValue: 'Draft' }),
    field('StartDate', 'date'),
    field('ContractTerm', 'int', { precision: 4 }),
  ]),
  { seedRows: few(10) },
);

const ORDER = withOptions(
  dataObject('Order', '801', 'Orders', [
    lookup('AccountId', 'Account', 'Account', true, 'Account ID'),
    field('EffectiveDate', 'date', { nillable: false }),
    field('Status', 'picklist', { picklistValues: ['Draft', 'Activated'], nillable: false, defaultedOnCreate: true, defaultValue: 'Draft' }),
  ]),
  { seedRows: few(10) },
);

const ORDER_ITEM = withOptions(
  dataObject('OrderItem', '802', 'Order Products', [
    lookup('OrderId', 'Order', 'Order', true, 'Order ID'),
    lookup('PricebookEntryId', 'PricebookEntry', 'PricebookEntry', false, 'Price Book Entry ID'),
    field('Quantity', 'double', { nillable: false }),
    field('UnitPrice', 'currency', { nillable: false }),
  ]),
  { seedRows: few(10) },
);

const ASSET = withOptions(
  dataObject('Asset', '02i', 'Assets', [
    lookup('AccountId', 'Account', 'Account', true, 'Account ID'),
    field('Name', 'string', { nameField: true, nillable: false }),
    field('SerialNumber', 'string', { length: 80 }),
    field('InstallDate', 'date'),
  ]),
  { seedRows: few(10) },
);

const SOLUTION = withOptions(
  dataObject('Solution', '501', 'Solutions', [
    field('SolutionName', 'string', { nameField: true, nillable: false, label: 'Solution Title' }),
    field('Status', 'picklist', { picklistValues: ['Draft', 'Reviewed', 'Duplicate'] }),
    field('SolutionNote', 'textarea', { label: 'Solution Details' }),
  ]),
  { seedRows: few(5) },
);

const PARTNER = withOptions(
  dataObject('Partner', '00I', 'Partners', [
    lookup('AccountFromId', 'Account', 'AccountFrom', false, 'Account ID'),
    lookup('AccountToId', 'Account', 'AccountTo', false, 'Partner Account ID'),
    field('Role', 'picklist', { picklistValues: ['Consultant', 'Distributor', 'Supplier', 'Vendor'] }),
  ]),
  { seedRows: few(5) },
);

const NOTE = withOptions(
  dataObject('Note', '002', 'Notes', [
    polymorphic('ParentId', ['Account', 'Opportunity', 'Contact', 'Case'], 'Parent', { nillable: false, updateable: false }),
    field('Title', 'string', { nillable: false, nameField: true }),
    field('Body', 'textarea'),
    field('IsPrivate', 'boolean'),
  ]),
  { seedRows: few(10) },
);

const EMAIL_MESSAGE = withOptions(
  dataObject('EmailMessage', '02s', 'Email Messages', [
    lookup('ParentId', 'Case', 'Parent', true, 'Case ID'),
    field('Subject', 'string', { length: 3000 }),
    field('FromAddress', 'email'),
    field('TextBody', 'textarea'),
    field('MessageDate', 'datetime'),
  ]),
  { seedRows: few(10) },
);

const IDEA = withOptions(
  dataObject('Idea', '087', 'Ideas', [
    field('Title', 'string', { nameField: true, nillable: false }),
    field('Body', 'textarea'),
    field('Status', 'picklist', { picklistValues: ['New', 'Under Consideration', 'Delivered'] }),
  ]),
  { seedRows: few(5) },
);

const WIDE_ATTRIBUTES: [string, FieldOptions & { type: FieldDef['type'] }][] = [
  ['Name', { type: 'string', length: 120 }],
  ['Type', { type: 'picklist', picklistValues: ['Primary', 'Secondary', 'Other'] }],
  ['Status', { type: 'picklist', picklistValues: ['Pending', 'Verified', 'Rejected', 'Waived'] }],
  ['Amount', { type: 'currency' }],
  ['Date', { type: 'date' }],
  ['Score', { type: 'double', scale: 2 }],
  ['Notes', { type: 'textarea', length: 1000 }],
  ['Verified', { type: 'boolean' }],
  ['Reference_Number', { type: 'string', length: 40 }],
  ['Contact_Email', { type: 'email' }],
  ['Contact_Phone', { type: 'phone' }],
  ['Address_Line', { type: 'string', length: 255 }],
  ['City', { type: 'string', length: 80 }],
  ['Postal_Code', { type: 'string', length: 20 }],
  ['Country', { type: 'string', length: 80 }],
  ['Start_Date', { type: 'date' }],
  ['End_Date', { type: 'date' }],
  ['Rate', { type: 'percent', scale: 3 }],
  ['Item_Count', { type: 'int', precision: 6 }],
  ['Reviewed_At', { type: 'datetime' }],
  ['Comments', { type: 'textarea', length: 2000 }],
];

/** A custom field per section and attribute, as long-lived orgs grow them (`Applicant_Status__c`). */
const customFields = (sections: string[]) =>
  sections.flatMap((section) => WIDE_ATTRIBUTES.map(([attribute, { type, ...options }]) => field(`${section}_${attribute}__c`, type, options)));

// Document management adds its own fields to ContentVersion (Salesforce allows custom fields there):
// hundreds of fields beside a file, yet short enough to list in a GET.
const CONTENT_VERSION_SECTIONS = ['Contract', 'Signatory', 'Counterparty', 'Review', 'Legal_Hold', 'Retention', 'Classification', 'Translation', 'Approval', 'Archive', 'Audit', 'Distribution'];

// Files. A query returns a base64 field as the URL of its bytes.
const ATTACHMENT = withOptions(
  dataObject('Attachment', '00P', 'Attachments', [
    polymorphic('ParentId', ['Account', 'Opportunity', 'Case', 'Contact'], 'Parent', { nillable: false, updateable: false, label: 'Parent ID' }),
    field('Name', 'string', { nillable: false, nameField: true, label: 'File Name' }),
    field('ContentType', 'string', { length: 120 }),
    field('BodyLength', 'int', { ...readOnly, label: 'Body Length' }),
    field('Body', 'base64', { nillable: false, length: 26_214_400 }),
    field('Description', 'textarea', { length: 500 }),
    field('IsPrivate', 'boolean', { label: 'Private' }),
  ]),
  { seedRows: few(10) },
);

const CONTENT_DOCUMENT = withOptions(
  dataObject('ContentDocument', '069', 'Content Documents', [
    field('Title', 'string', { nillable: false, nameField: true }),
    field('FileExtension', 'string', { length: 40, ...readOnly }),
  ]),
  { seedRows: few(8), createable: false },
);

const CONTENT_VERSION = withOptions(
  dataObject('ContentVersion', '068', 'Content Versions', [
    lookup('ContentDocumentId', 'ContentDocument', 'ContentDocument', true, 'ContentDocument ID'),
    field('Title', 'string', { nillable: false, nameField: true }),
    field('PathOnClient', 'string', { length: 500 }),
    field('VersionData', 'base64', { nillable: false, length: 2_147_483_647, label: 'Version Data' }),
    field('ContentSize', 'int', { ...readOnly, label: 'Size' }),
    field('IsMajorVersion', 'boolean'),
    ...customFields(CONTENT_VERSION_SECTIONS),
  ]),
  { seedRows: few(8) },
);

const DOCUMENT = withOptions(
  dataObject('Document', '015', 'Documents', [
    field('Name', 'string', { nillable: false, nameField: true, label: 'Document Name' }),
    field('ContentType', 'string', { length: 120, label: 'MIME Type' }),
    field('Type', 'string', { length: 40, label: 'File Extension' }),
    field('Body', 'base64', { length: 5_242_880 }),
    field('Url', 'url'),
  ]),
  { seedRows: few(4) },
);

// A custom object with hundreds of fields, as long-lived orgs grow them: listing every field in a
// GET query is longer than Salesforce accepts.
const WIDE_SECTIONS = [
  'Applicant', 'Co_Applicant', 'Employer', 'Property', 'Collateral', 'Income', 'Expense', 'Asset', 'Liability', 'Credit',
  'Underwriting', 'Appraisal', 'Insurance', 'Title_Search', 'Escrow', 'Closing', 'Disbursement', 'Servicing', 'Compliance',
  'Risk_Assessment', 'Fraud_Check', 'KYC', 'Guarantor', 'Broker', 'Referral', 'Supporting_Document', 'Approval', 'Funding',
  'Repayment', 'Interest_Rate_Lock',
];

export const WIDE_OBJECT = withOptions(
  dataObject('Loan_Application__c', 'a1L', 'Loan Applications', [
    field('Name', 'string', { length: 80, nameField: true, nillable: false, label: 'Application Name', custom: false }),
    lookup('Account__c', 'Account', 'Account__r', false, 'Account'),
    ...customFields(WIDE_SECTIONS),
  ]),
  { seedRows: few(20) },
);

// Queryable and replicateable, yet refused without a filter (Salesforce's "implementation restriction").
function restricted(name: string, keyPrefix: string, fields: FieldDef[], filterFields: string[], message: string, rows: number): ObjectDef {
  return withOptions(dataObject(name, keyPrefix, name, fields), {
    restriction: { errorCode: 'MALFORMED_QUERY', message, filterFields },
    seedRows: few(rows),
  });
}

const RESTRICTED_OBJECTS = [
  restricted(
    'ContentDocumentLink', '06A',
    [
      lookup('ContentDocumentId', 'ContentDocument', 'ContentDocument', true, 'ContentDocument ID'),
      polymorphic('LinkedEntityId', ['Account', 'Opportunity', 'Case'], 'LinkedEntity', { label: 'Linked Entity ID' }),
      field('ShareType', 'picklist', { picklistValues: ['V', 'C', 'I'] }),
      field('Visibility', 'picklist', { picklistValues: ['AllUsers', 'InternalUsers', 'SharedUsers'] }),
    ],
    ['Id', 'ContentDocumentId', 'LinkedEntityId'],
    "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
    8,
  ),
  restricted(
    'ContentFolderItem', '07H',
    [field('Title', 'string', { nillable: false }), field('IsFolder', 'boolean')],
    ['Id', 'ParentContentFolderId'],
    "Implementation restriction: ContentFolderItem requires a filter by Id or ParentContentFolderId using the equals operator or multiple Id's using the IN operator.",
    3,
  ),
  restricted(
    'Vote', '08T',
    [polymorphic('ParentId', ['Idea', 'Solution'], 'Parent'), field('Type', 'picklist', { picklistValues: ['Up', 'Down'] })],
    ['Id', 'ParentId'],
    "Implementation restriction: Vote requires a filter by Id or ParentId using the equals operator or multiple Id's using the IN operator.",
    5,
  ),
  restricted(
    'IdeaComment', '00a',
    [lookup('IdeaId', 'Idea', 'Idea', true, 'Idea ID'), field('CommentBody', 'textarea')],
    ['Id', 'IdeaId'],
    "Implementation restriction: IdeaComment requires a filter by Id or IdeaId using the equals operator or multiple Id's using the IN operator.",
    5,
  ),
  restricted(
    'KnowledgeArticleVersion', 'ka0',
    [field('Title', 'string', { nillable: false }), field('PublishStatus', 'picklist', { picklistValues: ['Online', 'Draft', 'Archived'] })],
    ['Id', 'PublishStatus'],
    "Implementation restriction: When querying or searching the KnowledgeArticleVersion object, you must filter using the following syntax: Id = [single ID], Id IN [list of IDs], or PublishStatus = ['online' 'draft' or 'archived'].",
    3,
  ),
];

/** Objects that only mirror others (history, sharing rows, feeds, change events): described, never generated. */
function mirror(name: string, keyPrefix: string, options: { queryable: boolean; replicateable: boolean }): ObjectDef {
  return {
    name,
    label: name.replace(/__/g, ' '),
    labelPlural: name.replace(/__/g, ' '),
    keyPrefix,
    custom: name.includes('__'),
    createable: false,
    queryable: options.queryable,
    replicateable: options.replicateable,
    readOnly: true,
    fields: [...systemFields(), field('CreatedDate', 'datetime', { ...readOnly, nillable: false, defaultedOnCreate: true })],
  };
}

const MIRROR_OBJECTS = [
  mirror('ContactHistory', '017', { queryable: true, replicateable: false }),
  mirror('OpportunityHistory', '008', { queryable: true, replicateable: false }),
  mirror('OpportunityFieldHistory', '017', { queryable: true, replicateable: false }),
  mirror('CaseHistory', '017', { queryable: true, replicateable: false }),
  mirror('LeadHistory', '017', { queryable: true, replicateable: false }),
  mirror('Loan_Application__History', '017', { queryable: true, replicateable: false }),
  mirror('AccountShare', '00r', { queryable: true, replicateable: true }),
  mirror('OpportunityShare', '00t', { queryable: true, replicateable: true }),
  mirror('CaseShare', '01n', { queryable: true, replicateable: true }),
  mirror('LeadShare', '01o', { queryable: true, replicateable: true }),
  mirror('Loan_Application__Share', '02c', { queryable: true, replicateable: true }),
  mirror('AccountFeed', '0D5', { queryable: true, replicateable: true }),
  mirror('CaseFeed', '0D5', { queryable: true, replicateable: true }),
  mirror('OpportunityFeed', '0D5', { queryable: true, replicateable: true }),
  mirror('AccountChangeEvent', '1CE', { queryable: false, replicateable: false }),
  mirror('ContactChangeEvent', '1CE', { queryable: false, replicateable: false }),
  mirror('OpportunityChangeEvent', '1CE', { queryable: false, replicateable: false }),
];

/** In generation order: parents before children. */
export const STANDARD_OBJECTS: ObjectDef[] = [
  USER, LEAD, TASK, EVENT, CAMPAIGN, CAMPAIGN_MEMBER, PRODUCT, PRICEBOOK, PRICEBOOK_ENTRY, CONTRACT, ORDER, ORDER_ITEM,
  ASSET, SOLUTION, PARTNER, NOTE, EMAIL_MESSAGE, IDEA, ATTACHMENT, CONTENT_DOCUMENT, CONTENT_VERSION, DOCUMENT, WIDE_OBJECT,
  ...RESTRICTED_OBJECTS, ...MIRROR_OBJECTS,
];
