/** describeGlobal and describe bodies, built once per API version. */
import { childRelationships, OBJECTS, type FieldDef, type ObjectDef } from './objects.ts';

const SOAP_TYPES: Record<string, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

function objectUrls(o: ObjectDef, version: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${o.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function globalEntry(o: ObjectDef, version: string) {
  const writable = !o.readOnly;
  return {
    activateable: false,
    createable: writable,
    custom: o.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: writable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: o.keyPrefix,
    label: o.label,
    labelPlural: o.labelPlural,
    layoutable: writable,
    mergeable: o.name === 'Account' || o.name === 'Contact',
    mruEnabled: writable,
    name: o.name,
    queryable: o.queryable,
    replicateable: o.replicateable,
    retrieveable: true,
    searchable: writable,
    triggerable: writable,
    undeletable: writable,
    updateable: writable,
    urls: objectUrls(o, version),
  };
}

function describeField(f: FieldDef) {
  const numeric = f.type === 'int' || f.type === 'double' || f.type === 'currency' || f.type === 'percent';
  const textual = f.length > 0 && !numeric && f.type !== 'id' && f.type !== 'reference';
  return {
    aggregatable: f.type !== 'textarea',
    autoNumber: f.autoNumber,
    byteLength: textual || f.type === 'id' || f.type === 'reference' ? f.length * 3 : 0,
    calculated: f.calculated,
    calculatedFormula: null,
    cascadeDelete: f.cascadeDelete,
    caseSensitive: false,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.defaultValue,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? f.precision : 0,
    externalId: f.externalId,
    filterable: f.type !== 'textarea',
    groupable: f.type !== 'textarea' && !numeric && f.type !== 'datetime',
    htmlFormatted: false,
    idLookup: f.idLookup,
    label: f.label,
    length: f.type === 'id' || f.type === 'reference' || textual ? f.length : 0,
    name: f.name,
    nameField: f.nameField,
    namePointing: false,
    nillable: f.nillable,
    permissionable: f.nillable && f.createable,
    picklistValues: f.picklistValues.map((value) => ({
      active: true,
      defaultValue: value === f.defaultValue,
      label: value,
      validFor: null,
      value,
    })),
    polymorphicForeignKey: false,
    precision: numeric && f.type !== 'int' ? f.precision : 0,
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    relationshipOrder: null,
    restrictedPicklist: f.restrictedPicklist,
    scale: f.scale,
    soapType: SOAP_TYPES[f.type] ?? 'xsd:string',
    sortable: f.type !== 'textarea',
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
  };
}

function describeObject(o: ObjectDef, version: string) {
  const urls = objectUrls(o, version);
  return {
    ...globalEntry(o, version),
    actionOverrides: [],
    childRelationships: childRelationships(o.name).map((c) => ({
      cascadeDelete: c.cascadeDelete,
      childSObject: c.childSObject,
      deprecatedAndHidden: false,
      field: c.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: c.relationshipName,
      restrictedDelete: false,
    })),
    compactLayoutable: !o.readOnly,
    fields: o.fields.map(describeField),
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [],
    supportedScopes: [{ label: 'All records', name: 'everything' }],
    urls: { ...urls, compactLayouts: `${urls.sobject}/describe/compactLayouts`, layouts: `${urls.sobject}/describe/layouts` },
  };
}

const cache = new Map<string, { global: unknown; objects: Map<string, unknown>; basics: Map<string, unknown> }>();

function forVersion(version: string) {
  let entry = cache.get(version);
  if (!entry) {
    entry = {
      global: { encoding: 'UTF-8', maxBatchSize: 200, sobjects: OBJECTS.map((o) => globalEntry(o, version)) },
      objects: new Map(OBJECTS.map((o) => [o.name, describeObject(o, version)])),
      basics: new Map(OBJECTS.map((o) => [o.name, { objectDescribe: globalEntry(o, version), recentItems: [] }])),
    };
    cache.set(version, entry);
  }
  return entry;
}

export function describeGlobalBody(version: string): unknown {
  return forVersion(version).global;
}

export function describeBody(object: ObjectDef, version: string): unknown {
  return forVersion(version).objects.get(object.name);
}

/** `GET /sobjects/X`: the global entry plus recent items. */
export function basicInfoBody(object: ObjectDef, version: string): unknown {
  return forVersion(version).basics.get(object.name);
}
