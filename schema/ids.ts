import { NotFoundError } from '../src/errors.ts';

export interface DecodedId {
  typename: string;
  id: string;
}

/** The database id behind a global id, which must name the expected type. */
export function localId(decoded: DecodedId, typename: string): string {
  if (decoded.typename !== typename) {
    throw new NotFoundError(typename, Buffer.from(`${decoded.typename}:${decoded.id}`).toString('base64url'));
  }
  return decoded.id;
}
