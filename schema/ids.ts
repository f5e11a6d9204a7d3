import { NotFoundError } from '../src/errors.ts';
import { globalId } from '../src/global-ids.ts';

/** The row id behind a global id argument; an id of another type is not found, like an unknown one. */
export function localId(decoded: { typename: string; id: string }, typename: string): string {
  if (decoded.typename !== typename) throw new NotFoundError(typename, decoded.id, globalId(decoded.typename, decoded.id));
  return decoded.id;
}

export { globalId };
