import { useCallback, useEffect, useState } from 'react';
import { ApiError, setUnauthorizedHandler } from './api/client';
import { me, signOut, type Me } from './api/session';
import { AuthContext, allows } from './auth/AuthContext';
import { Link, match, useLocation } from './router';
import { SignInPage } from './pages/signin/SignInPage';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { VmsPage } from './pages/vms/VmsPage';
import { JobsPage } from './pages/jobs/JobsPage';
import { RunsPage } from './pages/runs/RunsPage';
import { RunDetailPage } from './pages/runs/RunDetailPage';
import { RestorePointsPage } from './pages/restore-points/RestorePointsPage';
import { RepositoriesPage } from './pages/repositories/RepositoriesPage';
import { AuditPage } from './pages/audit/AuditPage';
import { UsersPage } from './pages/users/UsersPage';
import { NotificationsPage } from './pages/notifications/NotificationsPage';
import { TokensPage } from './pages/tokens/TokensPage';
import { InstantRecoveriesPage } from './pages/instant-recoveries/InstantRecoveriesPage';
import { RestoresPage } from './pages/restores/RestoresPage';

const NAV = [
  { to: '/', label: 'Dashboard' },
  { to: '/vms', label: 'VMs' },
  { to: '/jobs', label: 'Jobs' },
  { to: '/runs', label: 'Runs' },
  { to: '/restore-points', label: 'Restore points' },
  { to: '/restores', label: 'Restores' },
  { to: '/instant-recoveries', label: 'Instant recoveries' },
  { to: '/repositories', label: 'Repositories' },
  { to: '/tokens', label: 'API tokens' },
  { to: '/notifications', label: 'Alerts', admin: true },
  { to: '/audit', label: 'Audit log', admin: true },
  { to: '/users', label: 'Users', admin: true },
];

function Page({ path, user }: { path: string; user: Me }) {
  const run = match('/runs/:id', path);
  if (run) {
    return <RunDetailPage id={run.id} />;
  }
  switch (path) {
    case '/':
      return <DashboardPage />;
    case '/vms':
      return <VmsPage />;
    case '/jobs':
      return <JobsPage />;
    case '/runs':
      return <RunsPage />;
    case '/restore-points':
      return <RestorePointsPage />;
    case '/restores':
      return <RestoresPage />;
    case '/instant-recoveries':
      return <InstantRecoveriesPage />;
    case '/repositories':
      return <RepositoriesPage />;
    case '/tokens':
      return <TokensPage />;
    case '/notifications':
      return allows(user.role, 'admin') ? <NotificationsPage /> : <Forbidden />;
    case '/audit':
      return allows(user.role, 'admin') ? <AuditPage /> : <Forbidden />;
    case '/users':
      return allows(user.role, 'admin') ? <UsersPage /> : <Forbidden />;
    default:
      return <h1>Not found</h1>;
  }
}

function Forbidden() {
  return (
    <>
      <h1>Not allowed</h1>
      <p>This page is for admins.</p>
    </>
  );
}

export function App() {
  const [user, setUser] = useState<Me | null>();
  const [failure, setFailure] = useState<string>();
  const { path } = useLocation();

  const refresh = useCallback(() => {
    setFailure(undefined);
    me().then(setUser).catch((e) => {
      if (e instanceof ApiError && e.status === 401) {
        setUser(null);
      } else {
        setFailure(`The server cannot be reached (${(e as Error).message}).`);
      }
    });
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => setUser(null));
    refresh();
  }, [refresh]);

  const leave = useCallback(() => {
    signOut().finally(() => setUser(null));
  }, []);

  if (failure) {
    return (
      <main className="signin" id="main">
        <p role="alert" className="error">{failure}</p>
        <button type="button" onClick={refresh}>Try again</button>
      </main>
    );
  }
  if (user === undefined) {
    return <p className="loading">Loading…</p>;
  }
  if (user === null) {
    return <SignInPage onSignedIn={refresh} />;
  }
  const current = (to: string) => (to === '/' ? path === '/' : path.startsWith(to));
  return (
    <AuthContext.Provider value={{ user, signOut: leave }}>
      <a className="skip" href="#main" onClick={(event) => {
        // The fragment holds the route, so the skip link moves the focus instead of following it.
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>Skip to content</a>
      <header className="top">
        <span className="brand">Stillpoint</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.admin || allows(user.role, 'admin')).map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={current(item.to) ? 'page' : undefined}>{item.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {user.username} ({user.role})
          <button type="button" onClick={leave}>Sign out</button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} user={user} />
      </main>
    </AuthContext.Provider>
  );
}
