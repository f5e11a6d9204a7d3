import { getArgumentValues, type GraphQLSchema } from 'graphql';

/**
 * graphql-jit, which runs our operations, hands a subscription field's `subscribe` the
 * operation's variables where graphql-js hands it the field's arguments: `jobUpdated(organisationId:
 * $org)` arrived as `{ org }`, and a literal argument not at all, so every subscription argument was
 * ignored. Each subscribe reads its arguments from the field as written instead, as graphql-js
 * would have given them, under either executor.
 */
export function subscribeWithFieldArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const subscribe = field.subscribe;
    if (!subscribe) continue;
    field.subscribe = (root, _args, context, info) => subscribe(root, getArgumentValues(field, info.fieldNodes[0], info.variableValues), context, info);
  }
  return schema;
}
