import { getOperationAST, Kind, OperationTypeNode, type DocumentNode, type ExecutionArgs, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../../schema/builder.ts';
import type { FailedKeyThrottle } from './failed-key-throttle.ts';

/** The root fields an operation selects, through fragments: each mutation field leaves one audit entry. */
function rootFieldCount(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += rootFieldCount(selection.selectionSet, fragments, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) count += rootFieldCount(fragment.selectionSet, fragments, seen);
    }
  }
  return count;
}

function mutationFieldCount(document: DocumentNode, operationName: string | null | undefined): number {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== OperationTypeNode.MUTATION) return 0;
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  return rootFieldCount(operation.selectionSet, fragments);
}

/**
 * A mutation sent without a key is refused, and the refusal recorded in the audit log: each one
 * counts against the client's address, which the door then refuses (429) once past the limit,
 * so an anonymous client cannot grow the audit log without bound.
 */
export function anonymousDenialsPlugin(throttle: FailedKeyThrottle): Plugin {
  return {
    onExecute({ args }) {
      const { contextValue, document, operationName } = args as unknown as ExecutionArgs & { contextValue: Context };
      if (contextValue.viewer !== null) return;
      const fields = mutationFieldCount(document, operationName);
      if (fields > 0) throttle.recordFailure(contextValue.clientAddress, fields);
    },
  };
}
