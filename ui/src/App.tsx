// The shell: who is logged in, where we are, the navigation, and the pages.
import { Suspense, createContext, lazy, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { onUnauthenticated } from './api/http';
import { sessionService } from './api/session';
import type { UserInfo } from './api/types';
import { Banner, EmptyState, Logo } from './components/ui';
import { ApplicationsPage } from './pages/applications/ApplicationsPage';
import { LoginPage } from './pages/LoginPage';
import { Link, navigate, useLocation } from './router';
import { parseRoute, type Route } from './state/route';

// Pages users open less often load on demand, so the list's first render ships less code.
const AppDetailsPage = lazy(() => import('./pages/app-details/AppDetailsPage').then((m) => ({ default: m.AppDetailsPage })));
const NewAppPage = lazy(() => import('./pages/NewAppPage').then((m) => ({ default: m.NewAppPage })));
const SettingsPage = lazy(() => import('./pages/settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));

interface Session {
  readonly user: UserInfo;
  readonly logout: () => void;
}

const SessionContext = createContext<Session>({ user: { loggedIn: false }, logout: () => undefined });
export const useSession = (): Session => useContext(SessionContext);

type AuthState = { readonly kind: 'checking' } | { readonly kind: 'anonymous' } | { readonly kind: 'user'; readonly user: UserInfo } | { readonly kind: 'down'; readonly message: string };

function loginPath(expired: boolean): string {
  const here = `${window.location.pathname}${window.location.search}`;
  const ret = window.location.pathname.startsWith('/login') ? '' : `return=${encodeURIComponent(here)}`;
  const parts = [ret, expired ? 'expired=1' : ''].filter((p) => p !== '');
  return `/login${parts.length === 0 ? '' : `?${parts.join('&')}`}`;
}

export function App() {
  const location = useLocation();
  // Memoized: pages key their callbacks on the route object.
  const route = useMemo(() => parseRoute(location.pathname, location.search), [location.pathname, location.search]);
  const [auth, setAuth] = useState<AuthState>({ kind: 'checking' });

  const check = useCallback(() => {
    sessionService
      .userInfo()
      .then((user) => {
        if (user.loggedIn) setAuth({ kind: 'user', user });
        else {
          setAuth({ kind: 'anonymous' });
          if (!window.location.pathname.startsWith('/login')) navigate(loginPath(false), { replace: true });
        }
      })
      .catch((err: unknown) => {
        setAuth({ kind: 'down', message: err instanceof Error ? err.message : String(err) });
      });
  }, []);

  useEffect(check, [check]);

  useEffect(() => {
    const expired = () => {
      setAuth((a) => {
        if (a.kind === 'user' && !window.location.pathname.startsWith('/login')) navigate(loginPath(true), { replace: true });
        return { kind: 'anonymous' };
      });
    };
    const off = onUnauthenticated(expired);
    window.addEventListener('kawa:unauthenticated', expired);
    return () => {
      off();
      window.removeEventListener('kawa:unauthenticated', expired);
    };
  }, []);

  const logout = useCallback(() => {
    sessionService
      .logout()
      .catch(() => undefined)
      .finally(() => {
        setAuth({ kind: 'anonymous' });
        navigate('/login', { replace: true });
      });
  }, []);

  if (route.page === 'login') {
    return (
      <LoginPage
        onLoggedIn={(user) => {
          setAuth({ kind: 'user', user });
        }}
      />
    );
  }
  if (auth.kind === 'checking') return <div className="loading-screen" role="status">Loading…</div>;
  if (auth.kind === 'down') {
    return (
      <main className="center-page">
        <Banner kind="error">
          <strong>Server unreachable:</strong> {auth.message}
        </Banner>
        <button type="button" className="btn" onClick={check}>
          Try again
        </button>
      </main>
    );
  }
  if (auth.kind === 'anonymous') return <div className="loading-screen" role="status">Redirecting to login…</div>;
  return (
    <SessionContext.Provider value={{ user: auth.user, logout }}>
      <Shell route={route}>
        <Suspense fallback={<div role="status" className="loading">Loading…</div>}>
          <Page route={route} />
        </Suspense>
      </Shell>
    </SessionContext.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'applications':
      return <ApplicationsPage />;
    case 'application':
      return <AppDetailsPage key={`${route.appNamespace ?? ''}/${route.name}`} route={route} />;
    case 'new-application':
      return <NewAppPage />;
    case 'settings':
      return <SettingsPage section={route.section} />;
    case 'user-info':
      return <UserInfoPage />;
    case 'login':
      return null;
    case 'not-found':
      return (
        <main id="main" className="page">
          <EmptyState title="Page not found">
            <p>
              Nothing lives at <code>{route.path}</code>. <Link to="/applications">Go to the applications</Link>.
            </p>
          </EmptyState>
        </main>
      );
  }
}

function Shell({ route, children }: { route: Route; children: ReactNode }) {
  const { user, logout } = useSession();
  const nav: [string, string, boolean][] = [
    ['/applications', 'Applications', route.page === 'applications' || route.page === 'application' || route.page === 'new-application'],
    ['/settings', 'Settings', route.page === 'settings'],
    ['/user-info', 'User info', route.page === 'user-info'],
  ];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/applications" className="brand">
          <Logo /> kawa
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav.map(([to, label, active]) => (
              <li key={to}>
                <Link to={to} aria-current={active ? 'page' : undefined} className={active ? 'active' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-user">
          <span className="user-name" title="Logged in as">
            {user.username}
          </span>
          <button type="button" className="btn btn-ghost" onClick={logout}>
            Log out
          </button>
        </div>
      </header>
      {children}
    </div>
  );
}

function UserInfoPage() {
  const { user } = useSession();
  return (
    <main id="main" className="page">
      <h1>User info</h1>
      <dl className="props">
        <dt>Username</dt>
        <dd>{user.username}</dd>
        <dt>Issuer</dt>
        <dd>{user.iss ?? '—'}</dd>
        <dt>Groups</dt>
        <dd>{(user.groups ?? []).length === 0 ? '—' : (user.groups ?? []).join(', ')}</dd>
      </dl>
    </main>
  );
}
