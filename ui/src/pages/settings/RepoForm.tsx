// Connecting a repository over HTTPS (username and password or token) or SSH (a private key).
import { useState, type SyntheticEvent } from 'react';
import { repositoryService } from '../../api/repositories';
import type { Repository } from '../../api/types';
import { ErrorBanner } from '../../components/ui';

export function RepoForm({ onDone }: { onDone: () => void }) {
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
