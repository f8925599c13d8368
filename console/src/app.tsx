/**
 * The console's shell: the session (login, or how to enable it), the navigation, and the routes.
 * Every page is a client of the Administration API (/api/v1) with the session's cookie and CSRF token.
 */
import { useEffect, useState } from 'preact/hooks';
import { lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { ApiError, describeError, onSessionLost, request, setCsrfToken } from './lib/api';
import { Login, LoginDisabled, type SessionInfo } from './pages/login';
import { BlockList } from './pages/block-list';
import { IvrEditor } from './editors/ivr-editor';
import { FindMeEditor } from './editors/findme-editor';
import { VrEditor } from './editors/vr-editor';
import { VoicemailEditor } from './editors/voicemail-editor';
import { NumberEditor } from './editors/number-editor';
import { PostCallEditor } from './editors/post-call-editor';
import { SourcetrakPoolEditor } from './editors/sourcetrak-pool-editor';
import { SourcetrakReportPage } from './pages/sourcetrak-report';
import { PromptHelpProvider } from './components/prompt-help';
import { HomePage } from './pages/home';
import { CallsPage } from './pages/calls';
import { CallPage } from './pages/call';
import { WebhooksPage } from './pages/webhooks';
import { WebhookPage } from './pages/webhook';
import { TestPage } from './pages/test-call';
import { AudioPage } from './pages/audio';
import { KeysPage } from './pages/keys';
import { VoicemailMessagesPage } from './pages/voicemail-messages';
import { TranscriptionsPage } from './pages/transcriptions';

type Session = { state: 'checking' } | { state: 'in'; user: string } | { state: 'out'; expired: boolean } | { state: 'disabled'; detail: string } | { state: 'failed'; detail: string };

const NAV: Array<{ href: string; label: string; group?: string }> = [
  { href: '/', label: 'Home' },
  { href: '/flow', label: 'Call flow', group: 'Configuration' },
  { href: '/numbers', label: 'Numbers', group: 'Configuration' },
  { href: '/ivrs', label: 'IVRs', group: 'Configuration' },
  { href: '/findmes', label: 'Find Mes', group: 'Configuration' },
  { href: '/vrs', label: 'Virtual Receptionists', group: 'Configuration' },
  { href: '/voicemails', label: 'Voicemail', group: 'Configuration' },
  { href: '/post-call-actions', label: 'Post-call actions', group: 'Configuration' },
  { href: '/sourcetrak-pools', label: 'SourceTrak pools', group: 'Configuration' },
  { href: '/audio', label: 'Audio library', group: 'Configuration' },
  { href: '/calls', label: 'Calls', group: 'Activity' },
  { href: '/webhooks', label: 'Webhook log', group: 'Activity' },
  { href: '/sourcetrak', label: 'Calls by source', group: 'Activity' },
  { href: '/transcriptions', label: 'Transcriptions', group: 'Activity' },
  { href: '/test', label: 'Test call', group: 'Activity' },
  { href: '/keys', label: 'API keys', group: 'Settings' },
];

function isCurrent(path: string, href: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

function Nav({ open, onNavigate }: { open: boolean; onNavigate(): void }) {
  const { path } = useLocation();
  const groups = [...new Set(NAV.map((n) => n.group ?? ''))];
  return (
    <nav id="nav" aria-label="Console" class={open ? 'open' : undefined}>
      {groups.map((g) => (
        <div key={g} class="nav-group">
          {g ? <h2 class="nav-heading">{g}</h2> : null}
          <ul>
            {NAV.filter((n) => (n.group ?? '') === g).map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={isCurrent(path, n.href) ? 'page' : undefined} onClick={onNavigate}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

// The flow picture brings the layout library; only those who open it load it.
const FlowPage = lazy(() => import('./pages/flow').then((m) => m.FlowPage));

// Components, not arrow functions in the routes: a new function each render would remount the page (and lose edits).
const IvrList = () => <BlockList kindId="ivr" />;
const FindMeList = () => <BlockList kindId="findme" />;
const VrList = () => <BlockList kindId="vr" />;
const VoicemailList = () => <BlockList kindId="voicemail" />;
const NumberList = () => <BlockList kindId="number" />;
const PostCallList = () => <BlockList kindId="post_call_action" />;
const PoolList = () => <BlockList kindId="sourcetrak_pool" />;

/** After a route change, focus goes to the new page's heading (see PageTitle). */
function focusHeading(): void {
  requestAnimationFrame(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    h?.focus();
  });
}

function Shell({ user, onLogout }: { user: string; onLogout(): void }) {
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          hookline
        </a>
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <span class="user">
          <span class="visually-hidden">Logged in as </span>
          {user}
        </span>
        <button type="button" class="small" onClick={onLogout}>
          Log out
        </button>
      </header>
      <div class="layout">
        <Nav open={menuOpen} onNavigate={() => setMenuOpen(false)} />
        <main id="main" tabIndex={-1}>
          <PromptHelpProvider>
            <Router onRouteChange={focusHeading}>
              <Route path="/" component={HomePage} />
              <Route path="/flow" component={FlowPage} />
              <Route path="/ivrs" component={IvrList} />
              <Route path="/ivrs/new" component={IvrEditor} />
              <Route path="/ivrs/:id" component={IvrEditor} />
              <Route path="/findmes" component={FindMeList} />
              <Route path="/findmes/new" component={FindMeEditor} />
              <Route path="/findmes/:id" component={FindMeEditor} />
              <Route path="/vrs" component={VrList} />
              <Route path="/vrs/new" component={VrEditor} />
              <Route path="/vrs/:id" component={VrEditor} />
              <Route path="/voicemails" component={VoicemailList} />
              <Route path="/voicemails/new" component={VoicemailEditor} />
              <Route path="/voicemails/:id/messages" component={VoicemailMessagesPage} />
              <Route path="/voicemails/:id" component={VoicemailEditor} />
              <Route path="/numbers" component={NumberList} />
              <Route path="/numbers/new" component={NumberEditor} />
              <Route path="/numbers/:number" component={NumberEditor} />
              <Route path="/post-call-actions" component={PostCallList} />
              <Route path="/post-call-actions/new" component={PostCallEditor} />
              <Route path="/post-call-actions/:id" component={PostCallEditor} />
              <Route path="/sourcetrak-pools" component={PoolList} />
              <Route path="/sourcetrak-pools/new" component={SourcetrakPoolEditor} />
              <Route path="/sourcetrak-pools/:name" component={SourcetrakPoolEditor} />
              <Route path="/sourcetrak" component={SourcetrakReportPage} />
              <Route path="/calls" component={CallsPage} />
              <Route path="/calls/:sessionId" component={CallPage} />
              <Route path="/webhooks" component={WebhooksPage} />
              <Route path="/webhooks/:id" component={WebhookPage} />
              <Route path="/transcriptions" component={TranscriptionsPage} />
              <Route path="/test" component={TestPage} />
              <Route path="/audio" component={AudioPage} />
              <Route path="/keys" component={KeysPage} />
              <Route default component={NotFound} />
            </Router>
          </PromptHelpProvider>
        </main>
      </div>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1 tabIndex={-1}>No such page</h1>
      <p>
        <a href="/">Home</a>
      </p>
    </>
  );
}

export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });

  const check = async (): Promise<void> => {
    try {
      const r = await request<SessionInfo>('GET', '/console/session');
      setCsrfToken(r.data.csrf_token);
      setSession({ state: 'in', user: r.data.user });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        if (err.problem['login_enabled'] === false) setSession({ state: 'disabled', detail: err.problem.detail });
        else setSession({ state: 'out', expired: false });
      } else setSession({ state: 'failed', detail: describeError(err) });
    }
  };

  useEffect(() => {
    onSessionLost(() => setSession({ state: 'out', expired: true }));
    void check();
  }, []);

  const logout = async (): Promise<void> => {
    await request('POST', '/console/logout').catch(() => undefined);
    setCsrfToken('');
    setSession({ state: 'out', expired: false });
  };

  switch (session.state) {
    case 'checking':
      return <p role="status">Loading…</p>;
    case 'disabled':
      return <LoginDisabled detail={session.detail} />;
    case 'failed':
      return (
        <main id="main" class="login">
          <h1>hookline</h1>
          <p role="alert">The console cannot reach hookline: {session.detail}</p>
          <button type="button" onClick={() => void check()}>
            Try again
          </button>
        </main>
      );
    case 'out':
      return (
        <Login
          expired={session.expired}
          onLoggedIn={(s) => {
            setCsrfToken(s.csrf_token);
            setSession({ state: 'in', user: s.user });
          }}
        />
      );
    case 'in':
      return (
        <LocationProvider>
          <Shell user={session.user} onLogout={() => void logout()} />
        </LocationProvider>
      );
  }
}
