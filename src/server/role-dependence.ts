import {
  getNamedType,
  isAbstractType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** Scopes whose answer is the same for every key of an organisation (the operator key has its own audience). */
const ROLE_FREE_SCOPES = new Set(['authenticated', 'operator']);

/** Set on a field whose value is the caller's role (the Viewer type's). */
export const DEPENDS_ON_ROLE = 'dependsOnRole';

interface PothosExtensions {
  pothosOptions?: { authScopes?: unknown; grantScopes?: unknown };
  [DEPENDS_ON_ROLE]?: boolean;
}

/** Scopes given as a plain map of role-free scopes; anything else (a role, a function, $any) may answer by role. */
function scopesNeedRole(options: PothosExtensions['pothosOptions']): boolean {
  if (!options) return false;
  if (options.grantScopes !== undefined) return true;
  const scopes = options.authScopes;
  if (scopes === undefined) return false;
  if (typeof scopes !== 'object' || scopes === null) return true;
  return Object.keys(scopes).some((scope) => !ROLE_FREE_SCOPES.has(scope));
}

function typeNeedsRole(schema: GraphQLSchema, type: GraphQLNamedType): boolean {
  const types = isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
  return types.some((object) => scopesNeedRole((object.extensions as PothosExtensions).pothosOptions));
}

function fieldNeedsRole(field: GraphQLField<unknown, unknown>): boolean {
  const extensions = field.extensions as PothosExtensions;
  return extensions[DEPENDS_ON_ROLE] === true || scopesNeedRole(extensions.pothosOptions);
}

const answers = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, boolean>>();

/**
 * Whether any field the document selects (in any of its operations and fragments), or any type it
 * reaches, is authorised by role or shows the role: if not, every key of an organisation gets the
 * same answer from it whatever its role. Kept per parsed document.
 */
export function documentDependsOnRole(schema: GraphQLSchema, document: DocumentNode): boolean {
  let bySchema = answers.get(schema);
  if (!bySchema) answers.set(schema, (bySchema = new WeakMap<DocumentNode, boolean>()));
  const known = bySchema.get(document);
  if (known !== undefined) return known;
  let depends = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        // A field the schema does not know: validation refuses the document; nothing is shared meanwhile.
        if (!field || !parent || fieldNeedsRole(field) || typeNeedsRole(schema, parent) || typeNeedsRole(schema, getNamedType(field.type))) depends = true;
      },
    }),
  );
  bySchema.set(document, depends);
  return depends;
}
