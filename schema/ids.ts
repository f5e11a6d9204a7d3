/** The global id the API shows for a row (the relay plugin's encoding, set in the builder). */
export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64url');
}
