// The projects, each opening to its details, and creating one (open to every source and destination).
import { useState, type SyntheticEvent } from 'react';
import { projectService } from '../../api/projects';
import { ErrorBanner } from '../../components/ui';
import { useLoad } from '../../state/hooks';
import { ProjectDetails } from './ProjectDetails';

export function Projects() {
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
