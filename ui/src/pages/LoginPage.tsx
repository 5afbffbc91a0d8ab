import { useEffect, useState, type SyntheticEvent } from 'react';
import { ApiError } from '../api/http';
import { sessionService } from '../api/session';
import { settingsService, ssoConfigured, ssoName } from '../api/settings';
import type { Settings, UserInfo } from '../api/types';
import { Banner, Logo } from '../components/ui';
import { navigate } from '../router';
import { safeReturnPath } from '../state/route';

export function LoginPage({ onLoggedIn }: { onLoggedIn: (user: UserInfo) => void }) {
  const params = new URLSearchParams(window.location.search);
  const returnTo = safeReturnPath(params.get('return'));
  const expired = params.get('expired') === '1';
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [settings, setSettings] = useState<Settings>({});

  useEffect(() => {
    settingsService
      .get()
      .then(setSettings)
      .catch(() => undefined);
  }, []);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    sessionService
      .login(username, password)
      .then(() => sessionService.userInfo())
      .then((user) => {
        onLoggedIn(user);
        navigate(returnTo, { replace: true });
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.kind === 'unauthenticated') setError('Invalid username or password.');
        else if (err instanceof ApiError && err.status === 429) setError(`Too many failed attempts. ${err.message}`);
        else setError(err instanceof Error ? err.message : String(err));
        setBusy(false);
      });
  };

  return (
    <main id="main" className="login">
      <div className="login-card">
        <h1 className="login-brand">
          <Logo size={30} /> kawa
        </h1>
        <p className="login-tag">GitOps continuous delivery</p>
        {expired ? <Banner kind="warning">Your session has expired. Please log in again.</Banner> : null}
        {error === undefined ? null : <Banner kind="error">{error}</Banner>}
        <form onSubmit={submit} aria-label="Log in">
          <div className="field">
            <label htmlFor="login-username">Username</label>
            <input id="login-username" name="username" autoComplete="username" required value={username} onChange={(e) => { setUsername(e.target.value); }} autoFocus />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input id="login-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => { setPassword(e.target.value); }} />
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        {ssoConfigured(settings) ? (
          <>
            <div className="or" aria-hidden="true">
              or
            </div>
            <a className="btn btn-block" href={sessionService.ssoLoginUrl(returnTo)}>
              Log in via {ssoName(settings)}
            </a>
          </>
        ) : null}
      </div>
    </main>
  );
}
