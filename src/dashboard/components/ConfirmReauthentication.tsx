import { useEffect, useState } from 'preact/hooks';
import { request } from '../api.ts';
import { COMPLETE_REAUTHENTICATION, PREVIEW_REAUTHENTICATION } from '../operations.ts';

/** The state and code Salesforce sent back, as /oauth/callback hands them on in the fragment. */
export interface ReturnedLogin {
  state: string;
  code: string;
}

const FRAGMENT = '#reauthentication?';
const PENDING = 'sfbackup.returnedLogin';

/**
 * The login /oauth/callback just handed on, or one still waiting for confirmation before a reload.
 * The address is cleaned at once: a reload must not send a code that was already used.
 */
export function returnedLogin(): ReturnedLogin | undefined {
  if (location.hash.startsWith(FRAGMENT)) {
    const params = new URLSearchParams(location.hash.slice(FRAGMENT.length));
    const state = params.get('state');
    const code = params.get('code');
    if (state && code) sessionStorage.setItem(PENDING, JSON.stringify({ state, code }));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const pending = sessionStorage.getItem(PENDING);
  return pending ? (JSON.parse(pending) as ReturnedLogin) : undefined;
}

/** Once connected, refused or dismissed, the login is not offered again. */
const forgetReturnedLogin = () => sessionStorage.removeItem(PENDING);

interface Preview {
  username: string;
  salesforceOrgId: string;
  salesforceInstanceUrl: string;
  instance: { id: string; name: string; environment: string };
}

type Result<T> = (T & { __typename: string }) | { __typename: string; message: string };

type Step =
  | { kind: 'checking' }
  | { kind: 'preview'; preview: Preview; busy: boolean }
  | { kind: 'done'; message: string }
  | { kind: 'failed'; message: string };

/**
 * Shows who logged in at Salesforce and which instance it would connect; nothing is connected
 * until the signed-in person confirms, with a key of the organisation that started it.
 */
export function ConfirmReauthentication({ apiKey, login, onClose }: { apiKey: string; login: ReturnedLogin; onClose: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'checking' });

  useEffect(() => {
    request<{ previewReauthentication: Result<Preview> }>(apiKey, PREVIEW_REAUTHENTICATION, { ...login }).then(
      ({ previewReauthentication: result }) => {
        if ('username' in result) return setStep({ kind: 'preview', preview: result, busy: false });
        forgetReturnedLogin();
        setStep({ kind: 'failed', message: result.message });
      },
      (error: Error) => setStep({ kind: 'failed', message: error.message }),
    );
  }, [apiKey, login]);

  const connect = async (preview: Preview) => {
    setStep({ kind: 'preview', preview, busy: true });
    try {
      const { completeReauthentication: result } = await request<{ completeReauthentication: Result<{ name: string; username: string }> }>(
        apiKey,
        COMPLETE_REAUTHENTICATION,
        { ...login },
      );
      forgetReturnedLogin();
      setStep(
        'name' in result
          ? { kind: 'done', message: `Salesforce access granted: ${result.name} is connected as ${result.username}.` }
          : { kind: 'failed', message: result.message },
      );
    } catch (error) {
      setStep({ kind: 'failed', message: (error as Error).message });
    }
  };
  const close = () => {
    forgetReturnedLogin();
    onClose();
  };

  return (
    <section class="banner" aria-labelledby="confirm-reauthentication">
      <h2 id="confirm-reauthentication">Connect a Salesforce login</h2>
      {step.kind === 'checking' && <p role="status">Checking the login Salesforce sent back…</p>}
      {step.kind === 'preview' && (
        <>
          <p>
            Salesforce user <strong>{step.preview.username}</strong> of org <strong class="mono">{step.preview.salesforceOrgId}</strong> (
            <span class="mono">{step.preview.salesforceInstanceUrl}</span>) logged in. Connecting gives{' '}
            <strong>{step.preview.instance.name}</strong> ({step.preview.instance.environment}) fresh tokens from this login.
          </p>
          <div class="actions">
            <button type="button" class="button" disabled={step.busy} onClick={() => void connect(step.preview)}>
              {step.busy ? 'Connecting…' : `Connect to ${step.preview.instance.name}`}
            </button>
            <button type="button" class="button button--quiet" disabled={step.busy} onClick={close}>
              Do not connect
            </button>
          </div>
        </>
      )}
      {step.kind === 'done' && (
        <>
          <p role="status">{step.message}</p>
          <button type="button" class="button button--quiet" onClick={close}>
            Close
          </button>
        </>
      )}
      {step.kind === 'failed' && (
        <>
          <p role="alert">{step.message} Nothing was connected.</p>
          <button type="button" class="button button--quiet" onClick={close}>
            Close
          </button>
        </>
      )}
    </section>
  );
}
