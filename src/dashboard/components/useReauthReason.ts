import { useEffect, useState } from 'preact/hooks';
import type { Actions } from '../actions.ts';
import { exhaustionText } from '../format.ts';
import { GRANT_LIVE } from '../operations.ts';
import type { InstanceDetails } from '../types.ts';

/** What tokenExhausted and TokenExpired say, whatever the reason. */
const TOKEN_EXPIRED = 'expired access/refresh token';

/**
 * Why the instance needs reauthentication: the API's message while the page holds it; after a
 * reload, read from the instance (a grant Salesforce refused, or every token used).
 */
export function useReauthReason(instance: InstanceDetails, needsReauth: boolean, exhaustedMessage: string | undefined, query: Actions['query']): string {
  const [grantLive, setGrantLive] = useState<boolean | null>(null);
  const unknown = needsReauth && exhaustedMessage === undefined;
  useEffect(() => {
    if (!unknown) return;
    query<{ instance: { grantLive?: boolean } }>(GRANT_LIVE, { id: instance.id }).then(
      (data) => setGrantLive(data.instance.grantLive ?? null),
      () => setGrantLive(null),
    );
  }, [unknown, instance.id, instance.status, query]);
  if (exhaustedMessage) return exhaustedMessage;
  if (grantLive === null) return TOKEN_EXPIRED;
  return exhaustionText(TOKEN_EXPIRED, grantLive ? 'LIMIT_REACHED' : 'REVOKED_BY_SALESFORCE');
}
