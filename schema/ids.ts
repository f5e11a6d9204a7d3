import { NotFoundError } from '../src/errors.ts';
import { globalId } from '../src/global-ids.ts';

export interface DecodedId {
  typename: string;
  id: string;
}

/** The database id behind a global id, which must name the expected type. */
export function localId(decoded: DecodedId, typename: string): string {
  if (decoded.typename !== typename) {
    throw new NotFoundError(typename, decoded.id, globalId(decoded.typename, decoded.id));
  }
  return decoded.id;
}

export { globalId };
