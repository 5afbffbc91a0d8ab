// New application: a form (with repository, revision and path suggestions) or YAML.
import { useEffect, useState, type SyntheticEvent } from 'react';
import { parse } from 'yaml';
import { applicationService } from '../api/applications';
import { clusterService } from '../api/clusters';
import { projectService } from '../api/projects';
import { repositoryService } from '../api/repositories';
import type { Application } from '../api/types';
import { Banner, ErrorBanner } from '../components/ui';
import { Link, navigate } from '../router';
import { emptyAppForm, formToApplication, validateAppForm, type AppForm, type SourceType } from '../state/app-form';
import { toYaml } from '../state/diff';
import { useLoad } from '../state/hooks';
import { appLink } from '../state/route';

export function NewAppPage() {
  const [form, setForm] = useState<AppForm>(emptyAppForm);
  const [mode, setMode] = useState<'form' | 'yaml'>('form');
  const [yamlText, setYamlText] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const projects = useLoad(() => projectService.list(), []);
  const repos = useLoad(() => repositoryService.list(), []);
  const clusters = useLoad(() => clusterService.list(), []);
  const [refs, setRefs] = useState<string[]>([]);
  const [paths, setPaths] = useState<string[]>([]);

  const set = <K extends keyof AppForm>(key: K, value: AppForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
  };

  // Suggestions from the repository (branches/tags, app directories); silently none if unavailable.
  useEffect(() => {
    if (!/^(https?:\/\/|git@|ssh:\/\/)/.test(form.repoURL)) return;
    const timer = setTimeout(() => {
      repositoryService
        .refs(form.repoURL)
        .then((r) => {
          setRefs([...(r.branches ?? []), ...(r.tags ?? [])]);
        })
        .catch(() => {
          setRefs([]);
        });
      repositoryService
        .apps(form.repoURL, form.revision)
        .then((a) => {
          setPaths((a.items ?? []).map((i) => i.path));
        })
        .catch(() => {
          setPaths([]);
        });
    }, 400);
    return () => {
      clearTimeout(timer);
    };
  }, [form.repoURL, form.revision]);

  const toYamlMode = () => {
    setYamlText(toYaml(formToApplication(form)));
    setMode('yaml');
  };

  const create = (app: Application) => {
    setBusy(true);
    setError(undefined);
    applicationService
      .create(app)
      .then((created) => {
        navigate(appLink(created));
      })
      .catch(setError)
      .finally(() => {
        setBusy(false);
      });
  };

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (mode === 'yaml') {
      try {
        create(parse(yamlText) as Application);
      } catch (err) {
        setError(err);
      }
      return;
    }
    const p = validateAppForm(form);
    setProblems(p);
    if (p.length === 0) create(formToApplication(form));
  };

  const text = (key: keyof AppForm, label: string, options: { placeholder?: string; list?: string; required?: boolean; hint?: string } = {}) => (
    <div className="field">
      <label htmlFor={`app-${key}`}>
        {label}
        {options.required === true ? <span aria-hidden="true"> *</span> : null}
      </label>
      <input
        id={`app-${key}`}
        value={String(form[key])}
        onChange={(e) => { set(key, e.target.value as never); }}
        {...(options.placeholder === undefined ? {} : { placeholder: options.placeholder })}
        {...(options.list === undefined ? {} : { list: options.list })}
        {...(options.required === true ? { required: true, 'aria-required': true } : {})}
        {...(options.hint === undefined ? {} : { 'aria-describedby': `app-${key}-hint` })}
      />
      {options.hint === undefined ? null : (
        <small className="hint" id={`app-${key}-hint`}>
          {options.hint}
        </small>
      )}
    </div>
  );
  const area = (key: keyof AppForm, label: string, hint: string) => (
    <div className="field">
      <label htmlFor={`app-${key}`}>{label}</label>
      <textarea id={`app-${key}`} rows={3} value={String(form[key])} onChange={(e) => { set(key, e.target.value as never); }} aria-describedby={`app-${key}-hint`} />
      <small className="hint" id={`app-${key}-hint`}>
        {hint}
      </small>
    </div>
  );
  const check = (key: keyof AppForm, label: string) => (
    <label className="check">
      <input type="checkbox" checked={Boolean(form[key])} onChange={(e) => { set(key, e.target.checked as never); }} /> {label}
    </label>
  );

  return (
    <main id="main" className="page page-new">
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/applications">Applications</Link> <span aria-hidden="true">/</span> <span aria-current="page">New application</span>
      </nav>
      <div className="page-head">
        <h1>New application</h1>
        <div className="segmented" role="group" aria-label="Editor">
          <button type="button" aria-pressed={mode === 'form'} onClick={() => { setMode('form'); }}>
            Form
          </button>
          <button type="button" aria-pressed={mode === 'yaml'} onClick={toYamlMode}>
            Edit as YAML
          </button>
        </div>
      </div>
      <ErrorBanner error={error} />
      {problems.length > 0 ? (
        <Banner kind="error">
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Banner>
      ) : null}
      <form onSubmit={submit} className="app-form" aria-label="New application">
        {mode === 'yaml' ? (
          <textarea className="code-edit" aria-label="Application (YAML)" spellCheck={false} rows={28} value={yamlText} onChange={(e) => { setYamlText(e.target.value); }} />
        ) : (
          <>
            <fieldset>
              <legend>General</legend>
              {text('name', 'Application name', { required: true, placeholder: 'guestbook' })}
              <div className="field">
                <label htmlFor="app-project">Project</label>
                <select id="app-project" value={form.project} onChange={(e) => { set('project', e.target.value); }}>
                  {(projects.data?.items ?? [{ metadata: { name: 'default' }, spec: {} }]).map((p) => (
                    <option key={p.metadata.name}>{p.metadata.name}</option>
                  ))}
                </select>
              </div>
              <fieldset className="inline">
                <legend>Sync policy</legend>
                {check('autoSync', 'Automatic sync')}
                {form.autoSync ? check('prune', 'Prune resources') : null}
                {form.autoSync ? check('selfHeal', 'Self heal') : null}
                {check('createNamespace', 'Auto-create namespace')}
                {check('serverSideApply', 'Server-side apply')}
              </fieldset>
            </fieldset>
            <fieldset>
              <legend>Source</legend>
              {text('repoURL', 'Repository URL', { required: true, placeholder: 'https://github.com/argoproj/argocd-example-apps.git', list: 'repo-suggestions' })}
              <datalist id="repo-suggestions">
                {(repos.data?.items ?? []).map((r) => (
                  <option key={r.repo} value={r.repo} />
                ))}
              </datalist>
              {text('revision', 'Revision', { placeholder: 'HEAD', list: 'ref-suggestions', hint: 'A branch, tag or commit (for Helm repositories: the chart version).' })}
              <datalist id="ref-suggestions">
                {refs.map((r) => (
                  <option key={r} value={r} />
                ))}
              </datalist>
              <div className="field">
                <label htmlFor="app-sourceType">Source type</label>
                <select id="app-sourceType" value={form.sourceType} onChange={(e) => { set('sourceType', e.target.value as SourceType); }}>
                  <option value="directory">Directory (plain YAML)</option>
                  <option value="helm">Helm</option>
                  <option value="kustomize">Kustomize</option>
                  <option value="jsonnet">Jsonnet</option>
                </select>
              </div>
              {form.sourceType === 'helm' ? text('chart', 'Chart', { hint: 'For a Helm repository; leave empty for a chart in a Git path.' }) : null}
              {text('path', 'Path', { list: 'path-suggestions', placeholder: 'guestbook' })}
              <datalist id="path-suggestions">
                {paths.map((p) => (
                  <option key={p} value={p} />
                ))}
              </datalist>
              {form.sourceType === 'directory' || form.sourceType === 'jsonnet' ? check('recurse', 'Include subdirectories') : null}
              {form.sourceType === 'helm' ? (
                <>
                  {text('helmReleaseName', 'Release name')}
                  {area('helmValueFiles', 'Value files', 'One file per line, relative to the path.')}
                  {area('helmParameters', 'Parameters', 'One name=value per line.')}
                  {area('helmValues', 'Values', 'YAML, merged after the value files.')}
                </>
              ) : null}
              {form.sourceType === 'kustomize' ? (
                <>
                  {text('kustomizeNamePrefix', 'Name prefix')}
                  {area('kustomizeImages', 'Images', 'One override per line, e.g. nginx=nginx:1.27.')}
                </>
              ) : null}
              {form.sourceType === 'jsonnet' ? (
                <>
                  {area('jsonnetExtVars', 'External variables', 'One name=value per line.')}
                  {area('jsonnetTlas', 'Top-level arguments', 'One name=value per line.')}
                </>
              ) : null}
            </fieldset>
            <fieldset>
              <legend>Destination</legend>
              {text('server', 'Cluster URL', { required: true, list: 'cluster-suggestions' })}
              <datalist id="cluster-suggestions">
                {(clusters.data?.items ?? []).map((c) => (
                  <option key={c.server} value={c.server}>
                    {c.name}
                  </option>
                ))}
              </datalist>
              {text('namespace', 'Namespace', { placeholder: 'guestbook' })}
            </fieldset>
          </>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
          <Link to="/applications" className="btn">
            Cancel
          </Link>
        </div>
      </form>
    </main>
  );
}
