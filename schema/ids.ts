import { NotFoundError } from '../src/errors.ts';

export interface DecodedId {
  typename: string;
  id: string;
}

/** The database id behind a global id, which must name the expected type. */
export function localId(decoded: DecodedId, typename: string): string {
  if (decoded.typename !== typename) {
    throw new NotFoundError(typename, globalId(decoded.typename, decoded.id));
  }
  return decoded.id;
}

/** The global id the API shows for a row (the relay plugin's encoding, set in the builder). */
export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64url');
}
