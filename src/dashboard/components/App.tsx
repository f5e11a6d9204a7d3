import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, request, storedKey } from '../api.ts';
import { allowed } from '../format.ts';
import { VIEWER, type ViewerResult } from '../operations.ts';
import { ConfirmReauthentication, returnedLogin, type ReturnedLogin } from './ConfirmReauthentication.tsx';
import { AuditLogPage } from './AuditLogPage.tsx';
import { Dashboard } from './Dashboard.tsx';
import { OrganisationsPage } from './OrganisationsPage.tsx';
import { SignIn } from './SignIn.tsx';

export interface Session {
  apiKey: string;
  viewer: ViewerResult['viewer'];
}

type Phase = { kind: 'checking' } | { kind: 'signed-out'; message?: string } | { kind: 'signed-in'; session: Session };

const REFUSED = 'That API key is not recognised. Check it and try again.';

/** Asks the API who the key is; a refused key is a message, not an exception. */
async function openSession(apiKey: string): Promise<Session> {
  const result = await request<ViewerResult>(apiKey, VIEWER);
  return { apiKey, viewer: result.viewer };
}

function messageFor(error: unknown) {
  if (error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || /not recognised/i.test(error.message))) return REFUSED;
  return error instanceof Error ? error.message : String(error);
}

/** The page a hash names; the instances are the default. */
type View = 'instances' | 'audit-log' | 'organisations';
const AUDIT_LOG_HASH = '#audit-log';
const ORGANISATIONS_HASH = '#organisations';
const viewOfLocation = (): View => (location.hash === AUDIT_LOG_HASH ? 'audit-log' : location.hash === ORGANISATIONS_HASH ? 'organisations' : 'instances');

function useView(): View {
  const [view, setView] = useState<View>(viewOfLocation);
  useEffect(() => {
    const follow = () => setView(viewOfLocation());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return view;
}

export function App() {
  const view = useView();
  const [phase, setPhase] = useState<Phase>(() => (storedKey.get() ? { kind: 'checking' } : { kind: 'signed-out' }));
  // A Salesforce login handed on by /oauth/callback waits here until someone signed in confirms it.
  const [login, setLogin] = useState<ReturnedLogin | undefined>(returnedLogin);
  const closeLogin = () => setLogin(undefined);

  useEffect(() => {
    const key = storedKey.get();
    if (!key) return;
    openSession(key).then(
      (session) => setPhase({ kind: 'signed-in', session }),
      (error) => {
        storedKey.clear();
        setPhase({ kind: 'signed-out', message: messageFor(error) });
      },
    );
  }, []);

  const signIn = async (apiKey: string) => {
    try {
      const session = await openSession(apiKey);
      storedKey.set(apiKey);
      setPhase({ kind: 'signed-in', session });
    } catch (error) {
      setPhase({ kind: 'signed-out', message: messageFor(error) });
    }
  };

  const signOut = (message?: string) => {
    storedKey.clear();
    setPhase({ kind: 'signed-out', message });
  };

  const keyRefused = useCallback(() => signOut(REFUSED), []);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <span class="brand">Salesforce backup</span>
        {phase.kind === 'signed-in' && (
          <nav aria-label="Pages" class="pages">
            <a href="#" aria-current={view === 'instances' ? 'page' : undefined}>
              Instances
            </a>
            {allowed(phase.session.viewer.role, 'ADMIN') && (
              <a href={ORGANISATIONS_HASH} aria-current={view === 'organisations' ? 'page' : undefined}>
                {phase.session.viewer.isOperator ? 'Organisations' : 'API keys'}
              </a>
            )}
            <a href={AUDIT_LOG_HASH} aria-current={view === 'audit-log' ? 'page' : undefined}>
              Audit log
            </a>
          </nav>
        )}
        {phase.kind === 'signed-in' && (
          <div class="who">
            <span>
              {phase.session.viewer.isOperator ? 'Operator key' : `${phase.session.viewer.keyName ?? 'API key'} · ${phase.session.viewer.role ?? ''}`}
            </span>
            <button type="button" class="button button--quiet" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {phase.kind === 'checking' && <p role="status">Checking the saved API key…</p>}
        {phase.kind === 'signed-out' && <SignIn message={phase.message} onSubmit={signIn} />}
        {phase.kind === 'signed-in' && login && <ConfirmReauthentication apiKey={phase.session.apiKey} login={login} onClose={closeLogin} />}
        {phase.kind === 'signed-in' && view === 'instances' && <Dashboard session={phase.session} onKeyRefused={keyRefused} />}
        {phase.kind === 'signed-in' && view === 'audit-log' && <AuditLogPage apiKey={phase.session.apiKey} />}
        {phase.kind === 'signed-in' && view === 'organisations' && <OrganisationsPage session={phase.session} onKeyRefused={keyRefused} />}
      </main>
    </>
  );
}
