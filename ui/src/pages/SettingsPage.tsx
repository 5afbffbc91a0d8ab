// Settings: repositories (connect over HTTPS or SSH, connection status), clusters, projects, accounts.
import { useState, type SyntheticEvent } from 'react';
import { accountService } from '../api/accounts';
import { clusterService } from '../api/clusters';
import { projectService } from '../api/projects';
import { repositoryService } from '../api/repositories';
import type { Account, AppProject, Cluster, ConnectionState, Repository } from '../api/types';
import { DataTable, type Column } from '../components/DataTable';
import { EmptyState, ErrorBanner } from '../components/ui';
import { Link } from '../router';
import { useLoad } from '../state/hooks';
import { SETTINGS_SECTIONS, type SettingsSection } from '../state/route';
import { timeAgo } from '../state/status';

const TITLES: Record<SettingsSection, string> = { repositories: 'Repositories', clusters: 'Clusters', projects: 'Projects', accounts: 'Accounts' };

export function SettingsPage({ section }: { section: SettingsSection }) {
  return (
    <main id="main" className="page page-settings">
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings sections">
        {SETTINGS_SECTIONS.map((s) => (
          <Link key={s} to={`/settings/${s}`} className={s === section ? 'tab active' : 'tab'} aria-current={s === section ? 'page' : undefined}>
            {TITLES[s]}
          </Link>
        ))}
      </nav>
      <section aria-label={TITLES[section]}>
        {section === 'repositories' ? <Repositories /> : null}
        {section === 'clusters' ? <Clusters /> : null}
        {section === 'projects' ? <Projects /> : null}
        {section === 'accounts' ? <Accounts /> : null}
      </section>
    </main>
  );
}

function Connection({ state }: { state: ConnectionState | undefined }) {
  const s = state?.status ?? 'Unknown';
  return (
    <span className={`badge conn-${s}`} title={state?.message}>
      {s}
      {state?.attemptedAt === undefined ? '' : ` · ${timeAgo(state.attemptedAt)}`}
    </span>
  );
}

function Repositories() {
  const { data, error, reload } = useLoad(() => repositoryService.list(), []);
  const [adding, setAdding] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const items = data?.items ?? [];
  const disconnect = (r: Repository) => {
    if (window.confirm(`Disconnect ${r.repo}?`)) repositoryService.delete(r.repo).then(reload).catch(setActionError);
  };
  const columns: Column<Repository>[] = [
    { header: 'Type', cell: (r) => r.type ?? 'git' },
    { header: 'Name', cell: (r) => r.name ?? '' },
    { header: 'Repository', cell: (r) => r.repo },
    { header: 'Project', cell: (r) => r.project ?? '' },
    {
      header: 'Connection',
      cell: (r) => (
        <>
          <Connection state={r.connectionState} />
          {r.connectionState?.message === undefined || r.connectionState.message === '' ? null : <div className="small muted">{r.connectionState.message}</div>}
        </>
      ),
    },
    {
      header: 'Actions',
      hideHeader: true,
      cell: (r) => (
        <button type="button" className="btn btn-small btn-danger" aria-label={`Disconnect ${r.repo}`} onClick={() => { disconnect(r); }}>
          Disconnect
        </button>
      ),
    },
  ];
  return (
    <>
      <div className="toolbar">
        <button type="button" className="btn btn-primary" onClick={() => { setAdding((a) => !a); }} aria-expanded={adding}>
          Connect repository
        </button>
      </div>
      <ErrorBanner error={error} />
      <ErrorBanner error={actionError} onClose={() => { setActionError(undefined); }} />
      {adding ? <RepoForm onDone={() => { setAdding(false); reload(); }} /> : null}
      {data !== undefined && items.length === 0 ? <EmptyState title="No repositories connected">Public repositories work without connecting them.</EmptyState> : null}
      {items.length > 0 ? (
        <DataTable caption="Repositories" columns={columns} rows={items} rowKey={(r) => r.repo} />
      ) : null}
    </>
  );
}

function RepoForm({ onDone }: { onDone: () => void }) {
  const [via, setVia] = useState<'https' | 'ssh'>('https');
  const [repo, setRepo] = useState<Repository>({ repo: '', type: 'git' });
  const [error, setError] = useState<unknown>(undefined);
  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    const body: Repository = { repo: repo.repo, type: repo.type ?? 'git' };
    if (repo.name !== undefined && repo.name !== '') body.name = repo.name;
    if (repo.project !== undefined && repo.project !== '') body.project = repo.project;
    if (via === 'https') {
      if (repo.username !== undefined && repo.username !== '') body.username = repo.username;
      if (repo.password !== undefined && repo.password !== '') body.password = repo.password;
    } else if (repo.sshPrivateKey !== undefined && repo.sshPrivateKey !== '') body.sshPrivateKey = repo.sshPrivateKey;
    repositoryService.create(body).then(onDone).catch(setError);
  };
  const input = (key: 'repo' | 'name' | 'project' | 'username' | 'password', label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`repo-${key}`}>{label}</label>
      <input id={`repo-${key}`} type={type} value={repo[key] ?? ''} onChange={(e) => { setRepo((r) => ({ ...r, [key]: e.target.value })); }} autoComplete="off" />
    </div>
  );
  return (
    <form className="card-form" onSubmit={submit} aria-label="Connect repository">
      <ErrorBanner error={error} />
      <fieldset className="inline">
        <legend>Connect via</legend>
        <label className="check">
          <input type="radio" name="via" checked={via === 'https'} onChange={() => { setVia('https'); }} /> HTTPS
        </label>
        <label className="check">
          <input type="radio" name="via" checked={via === 'ssh'} onChange={() => { setVia('ssh'); }} /> SSH
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor="repo-type">Type</label>
        <select id="repo-type" value={repo.type} onChange={(e) => { setRepo((r) => ({ ...r, type: e.target.value })); }}>
          <option value="git">git</option>
          <option value="helm">helm</option>
        </select>
      </div>
      {input('repo', 'Repository URL')}
      {input('name', 'Name (optional)')}
      {input('project', 'Project (optional)')}
      {via === 'https' ? (
        <>
          {input('username', 'Username')}
          {input('password', 'Password or token', 'password')}
        </>
      ) : (
        <div className="field">
          <label htmlFor="repo-ssh">SSH private key</label>
          <textarea id="repo-ssh" rows={5} value={repo.sshPrivateKey ?? ''} onChange={(e) => { setRepo((r) => ({ ...r, sshPrivateKey: e.target.value })); }} />
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary">
          Connect
        </button>
      </div>
    </form>
  );
}

const CLUSTER_COLUMNS: Column<Cluster>[] = [
  { header: 'Name', cell: (c) => c.name },
  { header: 'Server', cell: (c) => c.server },
  { header: 'Version', cell: (c) => c.info?.serverVersion ?? c.serverVersion ?? '' },
  { header: 'Apps', cell: (c) => c.info?.applicationsCount ?? '' },
  { header: 'Connection', cell: (c) => <Connection state={c.info?.connectionState ?? c.connectionState} /> },
];

function Clusters() {
  const { data, error } = useLoad(() => clusterService.list(), []);
  const items = data?.items ?? [];
  return (
    <>
      <ErrorBanner error={error} />
      {data !== undefined && items.length === 0 ? <EmptyState title="No clusters">The in-cluster destination is always available.</EmptyState> : null}
      {items.length > 0 ? (
        <DataTable caption="Clusters" columns={CLUSTER_COLUMNS} rows={items} rowKey={(c) => c.server} />
      ) : null}
    </>
  );
}

function ProjectDetails({ p }: { p: AppProject }) {
  const s = p.spec;
  const gk = (list: { group: string; kind: string }[] | undefined) => (list === undefined || list.length === 0 ? '—' : list.map((x) => `${x.group === '' ? 'core' : x.group}/${x.kind}`).join(', '));
  return (
    <dl className="props">
      <dt>Description</dt>
      <dd>{s.description ?? '—'}</dd>
      <dt>Sources</dt>
      <dd>{(s.sourceRepos ?? []).join(', ') || '—'}</dd>
      <dt>Destinations</dt>
      <dd>{(s.destinations ?? []).map((d) => `${d.name ?? d.server ?? '*'} / ${d.namespace ?? '*'}`).join(', ') || '—'}</dd>
      <dt>Cluster resources allowed</dt>
      <dd>{gk(s.clusterResourceWhitelist)}</dd>
      <dt>Cluster resources denied</dt>
      <dd>{gk(s.clusterResourceBlacklist)}</dd>
      <dt>Namespaced resources allowed</dt>
      <dd>{gk(s.namespaceResourceWhitelist)}</dd>
      <dt>Namespaced resources denied</dt>
      <dd>{gk(s.namespaceResourceBlacklist)}</dd>
      <dt>Roles</dt>
      <dd>{(s.roles ?? []).map((r) => `${r.name} (${(r.policies ?? []).length} policies${(r.groups ?? []).length > 0 ? `, groups: ${(r.groups ?? []).join(', ')}` : ''})`).join('; ') || '—'}</dd>
      <dt>Sync windows</dt>
      <dd>{(s.syncWindows ?? []).map((w) => `${w.kind} ${w.schedule} for ${w.duration}${w.manualSync === true ? ' (manual sync allowed)' : ''}`).join('; ') || '—'}</dd>
    </dl>
  );
}

function Projects() {
  const { data, error, reload } = useLoad(() => projectService.list(), []);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [name, setName] = useState('');
  const [createError, setCreateError] = useState<unknown>(undefined);
  const items = data?.items ?? [];
  const create = (e: SyntheticEvent) => {
    e.preventDefault();
    projectService
      .create({ metadata: { name }, spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }] } })
      .then(() => {
        setName('');
        reload();
      })
      .catch(setCreateError);
  };
  return (
    <>
      <ErrorBanner error={error} />
      <form className="inline-form" onSubmit={create} aria-label="Create project">
        <label htmlFor="project-name">New project</label>
        <input id="project-name" value={name} onChange={(e) => { setName(e.target.value); }} placeholder="name" required />
        <button type="submit" className="btn">
          Create
        </button>
      </form>
      <ErrorBanner error={createError} onClose={() => { setCreateError(undefined); }} />
      {items.map((p) => (
        <details key={p.metadata.name} className="card" open={open === p.metadata.name} onToggle={(e) => { if (e.currentTarget.open) setOpen(p.metadata.name); }}>
          <summary>
            <strong>{p.metadata.name}</strong> <span className="muted">{p.spec.description ?? ''}</span>
          </summary>
          <ProjectDetails p={p} />
        </details>
      ))}
    </>
  );
}

const ACCOUNT_COLUMNS: Column<Account>[] = [
  { header: 'Name', cell: (a) => a.name },
  { header: 'Enabled', cell: (a) => (a.enabled === false ? 'no' : 'yes') },
  { header: 'Capabilities', cell: (a) => (a.capabilities ?? []).join(', ') },
  { header: 'Tokens', cell: (a) => (a.tokens ?? []).length },
];

function Accounts() {
  const { data, error } = useLoad(() => accountService.list(), []);
  const items = data?.items ?? [];
  return (
    <>
      <ErrorBanner error={error} />
      {items.length > 0 ? (
        <DataTable caption="Accounts" columns={ACCOUNT_COLUMNS} rows={items} rowKey={(a) => a.name} />
      ) : null}
    </>
  );
}
