/** Builders of the emulated schema: fields and objects as describe reports them. */

export type FieldType =
  | 'id'
  | 'string'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'reference'
  /** Binary content: queries return the URL of the blob, not its bytes. */
  | 'base64';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  precision: number;
  scale: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  defaultedOnCreate: boolean;
  calculated: boolean;
  autoNumber: boolean;
  externalId: boolean;
  idLookup: boolean;
  unique: boolean;
  custom: boolean;
  nameField: boolean;
  referenceTo: string[];
  relationshipName: string | null;
  /** Deleting the parent deletes this child (otherwise the lookup is cleared). */
  cascadeDelete: boolean;
  picklistValues: string[];
  restrictedPicklist: boolean;
  defaultValue: string | boolean | null;
  /** Derived values (auto numbers, compound names): computed from the row, never stored. */
  derived?: 'autoNumber' | 'contactName';
  /** A lookup stored as the id itself, like a polymorphic one: who created or last changed a record. */
  storedAsId?: boolean;
  autoNumberFormat?: { prefix: string; digits: number; start: number };
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  queryable: boolean;
  replicateable: boolean;
  /** History objects and the like: described and queryable, but never generated or written. */
  readOnly: boolean;
  /** false for objects that describe lists but a query by id cannot return. */
  retrieveable?: boolean;
  /**
   * Salesforce refuses an unfiltered query of some objects (Vote, ContentDocumentLink, …): the
   * error it answers, unless the WHERE clause names one of `filterFields`.
   */
  restriction?: { errorCode: string; message: string; filterFields: string[] };
  /** Records generated per org for `records` per core object (default: none). */
  seedRows?: (records: number) => number;
  fields: FieldDef[];
}

/** A lookup that may point at records of several objects (Task.WhatId). */
export const isPolymorphic = (f: FieldDef) => f.type === 'reference' && f.referenceTo.length > 1;

/** Lookups held as the id itself rather than the parent's row: polymorphic ones, and the audit users. */
export const isIdText = (f: FieldDef) => isPolymorphic(f) || f.storedAsId === true;

export type FieldOptions = Partial<Omit<FieldDef, 'name' | 'type'>>;

const TYPE_LENGTH: Partial<Record<FieldType, number>> = {
  id: 18,
  reference: 18,
  string: 255,
  picklist: 255,
  email: 80,
  phone: 40,
  url: 255,
  textarea: 32000,
};

export function field(name: string, type: FieldType, options: FieldOptions = {}): FieldDef {
  const custom = name.endsWith('__c');
  const numeric = type === 'int' || type === 'double' || type === 'currency' || type === 'percent';
  return {
    name,
    label: options.label ?? name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'),
    type,
    length: options.length ?? TYPE_LENGTH[type] ?? 0,
    precision: options.precision ?? (numeric ? 18 : 0),
    scale: options.scale ?? (type === 'currency' ? 2 : 0),
    nillable: options.nillable ?? type !== 'boolean',
    createable: options.createable ?? true,
    updateable: options.updateable ?? options.createable ?? true,
    defaultedOnCreate: options.defaultedOnCreate ?? type === 'boolean',
    calculated: options.calculated ?? false,
    autoNumber: options.autoNumber ?? false,
    externalId: options.externalId ?? false,
    idLookup: options.idLookup ?? options.externalId ?? false,
    unique: options.unique ?? false,
    custom: options.custom ?? custom,
    nameField: options.nameField ?? false,
    referenceTo: options.referenceTo ?? [],
    relationshipName: options.relationshipName ?? null,
    cascadeDelete: options.cascadeDelete ?? false,
    picklistValues: options.picklistValues ?? [],
    restrictedPicklist: options.restrictedPicklist ?? false,
    defaultValue: options.defaultValue ?? (type === 'boolean' ? false : null),
    derived: options.derived,
    autoNumberFormat: options.autoNumberFormat,
    storedAsId: options.storedAsId,
  };
}

export const readOnly: FieldOptions = { createable: false, updateable: false };

export function systemFields(): FieldDef[] {
  return [
    field('Id', 'id', { ...readOnly, nillable: false, defaultedOnCreate: true, idLookup: true, label: 'Record ID' }),
    field('IsDeleted', 'boolean', { ...readOnly, label: 'Deleted' }),
  ];
}

export function auditFields(): FieldDef[] {
  const audit: FieldOptions = { ...readOnly, nillable: false, defaultedOnCreate: true };
  // Salesforce names the relationships CreatedBy and LastModifiedBy; the emulator does not follow them.
  const byUser: FieldOptions = { referenceTo: ['User'], storedAsId: true };
  return [
    field('CreatedDate', 'datetime', { ...audit, label: 'Created Date' }),
    field('CreatedById', 'reference', { ...audit, ...byUser, label: 'Created By ID' }),
    field('LastModifiedDate', 'datetime', { ...audit, label: 'Last Modified Date' }),
    field('LastModifiedById', 'reference', { ...audit, ...byUser, label: 'Last Modified By ID' }),
    field('SystemModstamp', 'datetime', { ...audit, label: 'System Modstamp' }),
  ];
}

export function lookup(name: string, target: string, relationshipName: string, cascadeDelete: boolean, label?: string): FieldDef {
  return field(name, 'reference', { referenceTo: [target], relationshipName, cascadeDelete, label });
}

export function dataObject(
  name: string,
  keyPrefix: string,
  labelPlural: string,
  fields: FieldDef[],
): ObjectDef {
  return {
    name,
    label: name.replace(/__c$/, '').replace(/_/g, ' '),
    labelPlural,
    keyPrefix,
    custom: name.endsWith('__c'),
    createable: true,
    queryable: true,
    replicateable: true,
    readOnly: false,
    fields: [...systemFields(), ...fields, ...auditFields()],
  };
}

