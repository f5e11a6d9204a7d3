/** The id the API shows for a row, and callers send back: `<Type>:<row id>` in base64url. */
export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64url');
}
