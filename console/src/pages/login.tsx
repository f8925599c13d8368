/** The login form, or, without HOOKLINE_ADMIN_PASSWORD, how to turn the login on. */
import { useState } from 'preact/hooks';
import { ApiError, describeError, request } from '../lib/api';

export interface SessionInfo {
  user: string;
  csrf_token: string;
}

export function LoginDisabled({ detail }: { detail: string }) {
  return (
    <main id="main" class="login">
      <h1>The console login is off</h1>
      <p>{detail}</p>
      <p>To turn it on, set a password of at least 8 characters for the user <code>admin</code> and restart hookline:</p>
      <pre>
        <code>HOOKLINE_ADMIN_PASSWORD='a long passphrase' hookline serve</code>
      </pre>
      <p>
        Scripts can use the Administration API at <code>/api/v1</code> with an API key (<code>HOOKLINE_API_KEY</code>) meanwhile.
      </p>
    </main>
  );
}

export function Login({ onLoggedIn, expired }: { onLoggedIn(s: SessionInfo): void; expired: boolean }) {
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await request<SessionInfo>('POST', '/console/login', { json: { user, password } });
      onLoggedIn(r.data);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        const after = Number(err.headers.get('Retry-After') ?? '0');
        setError(`Too many failed logins. Try again in ${after >= 60 ? `${Math.ceil(after / 60)} minutes` : `${after} seconds`}.`);
      } else if (err instanceof ApiError && err.status === 401) {
        setError('Wrong user name or password.');
      } else {
        setError(describeError(err));
      }
      setPassword('');
      document.getElementById('login-password')?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <h1>hookline</h1>
      {expired ? <p class="banner info">Your session ended. Log in again to go on.</p> : null}
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <div class="field">
          <label htmlFor="login-user">User</label>
          <input id="login-user" name="user" autoComplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required />
        </div>
        <div class="field">
          <label htmlFor="login-password">Password</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </div>
        <div role="alert" id="login-error" class={error ? 'banner error' : undefined}>
          {error}
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
