// The Sync panel and the Delete dialog of the application page.
import { useEffect, useMemo, useState, type SyntheticEvent } from 'react';
import { appIdOf, applicationService, type SyncRequest } from '../api/applications';
import type { Application } from '../api/types';
import { sourceOf } from '../state/status';
import type { TreeResource } from '../state/tree';
import { Check, Dialog, ErrorBanner, SyncBadge } from './ui';

const SYNC_OPTIONS: { id: string; label: string; hint: string }[] = [
  { id: 'ApplyOutOfSyncOnly=true', label: 'Apply out of sync only', hint: 'skip resources that are already synced' },
  { id: 'ServerSideApply=true', label: 'Server-side apply', hint: 'kubectl apply --server-side' },
  { id: 'Replace=true', label: 'Replace', hint: 'replace instead of apply (destructive for some kinds)' },
  { id: 'PruneLast=true', label: 'Prune last', hint: 'prune after every other resource is applied and healthy' },
  { id: 'CreateNamespace=true', label: 'Auto-create namespace', hint: 'create the destination namespace if missing' },
  { id: 'RespectIgnoreDifferences=true', label: 'Respect ignore differences', hint: 'keep ignored fields as they are live' },
];

/** The request a sync form produces; every resource selected means "all" (no list). */
export function syncRequestOf(form: { revision: string; prune: boolean; dryRun: boolean; force: boolean; options: readonly string[]; selected: ReadonlySet<string> }, managed: readonly TreeResource[], defaultRevision: string): SyncRequest {
  const req: SyncRequest = {};
  if (form.revision !== '' && form.revision !== defaultRevision) req.revision = form.revision;
  if (form.prune) req.prune = true;
  if (form.dryRun) req.dryRun = true;
  if (form.force) req.strategy = { hook: { force: true } };
  if (form.options.length > 0) req.syncOptions = { items: [...form.options] };
  if (form.selected.size < managed.length) {
    req.resources = managed.filter((r) => form.selected.has(r.key)).map((r) => ({ group: r.group, kind: r.kind, name: r.name, ...(r.namespace === '' ? {} : { namespace: r.namespace }) }));
  }
  return req;
}

export function SyncDialog({ app, resources, open, onClose, onSynced }: { app: Application; resources: readonly TreeResource[]; open: boolean; onClose: () => void; onSynced: (a: Application) => void }) {
  const managed = useMemo(() => resources.filter((r) => r.managed && !r.hook), [resources]);
  const defaultRevision = sourceOf(app)?.targetRevision ?? 'HEAD';
  const [revision, setRevision] = useState(defaultRevision);
  const [prune, setPrune] = useState(false);
  const [dryRun, setDryRun] = useState(false);
  const [force, setForce] = useState(false);
  const [options, setOptions] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    setRevision(defaultRevision);
    setSelected(new Set(managed.map((r) => r.key)));
    setOptions((app.spec.syncPolicy?.syncOptions ?? []).filter((o) => SYNC_OPTIONS.some((s) => s.id === o)));
    setError(undefined);
    // Only when the panel opens: later changes of the app must not reset what the user chose.
  }, [open]);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    applicationService
      .sync(appIdOf(app), syncRequestOf({ revision, prune, dryRun, force, options, selected }, managed, defaultRevision))
      .then(onSynced)
      .catch(setError)
      .finally(() => {
        setBusy(false);
      });
  };
  const toggleOpt = (id: string) => {
    setOptions((o) => (o.includes(id) ? o.filter((x) => x !== id) : [...o, id]));
  };
  const toggleRes = (key: string) => {
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  };

  return (
    <Dialog title={`Sync ${app.metadata.name}`} open={open} onClose={onClose} wide>
      <form onSubmit={submit} className="sync-form">
        <ErrorBanner error={error} />
        <div className="field">
          <label htmlFor="sync-revision">Revision</label>
          <input id="sync-revision" value={revision} onChange={(e) => { setRevision(e.target.value); }} />
        </div>
        <fieldset>
          <legend>Options</legend>
          <Check label="Prune" hint="delete resources no longer in Git" checked={prune} onChange={setPrune} />
          <Check label="Dry run" hint="change nothing" checked={dryRun} onChange={setDryRun} />
          <Check label="Force" hint="delete and re-create resources that cannot be patched" checked={force} onChange={setForce} />
          {SYNC_OPTIONS.map((o) => (
            <Check key={o.id} label={o.label} hint={o.hint} checked={options.includes(o.id)} onChange={() => { toggleOpt(o.id); }} />
          ))}
        </fieldset>
        <fieldset className="sync-resources">
          <legend>
            Resources ({selected.size} of {managed.length})
          </legend>
          <div className="toolbar">
            <button type="button" className="btn btn-small" onClick={() => { setSelected(new Set(managed.map((r) => r.key))); }}>
              All
            </button>
            <button type="button" className="btn btn-small" onClick={() => { setSelected(new Set(managed.filter((r) => r.sync === 'OutOfSync').map((r) => r.key))); }}>
              Out of sync
            </button>
            <button type="button" className="btn btn-small" onClick={() => { setSelected(new Set()); }}>
              None
            </button>
          </div>
          <div className="sync-resource-list">
            {managed.map((r) => (
              <label key={r.key} className="check">
                <input type="checkbox" checked={selected.has(r.key)} onChange={() => { toggleRes(r.key); }} /> {r.kind}/{r.name}
                {r.namespace === '' ? '' : <span className="muted"> ({r.namespace})</span>} {r.sync === undefined ? null : <SyncBadge status={r.sync} />}
              </label>
            ))}
          </div>
        </fieldset>
        <DialogActions submit="Synchronize" busySubmit="Syncing…" kind="btn-primary" busy={busy} disabled={managed.length > 0 && selected.size === 0} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function DeleteDialog({ app, open, onClose, onDeleted }: { app: Application; open: boolean; onClose: () => void; onDeleted: () => void }) {
  const [policy, setPolicy] = useState<'foreground' | 'background' | 'orphan'>('foreground');
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const name = app.metadata.name;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (typed !== name) return;
    setBusy(true);
    applicationService
      .delete(appIdOf(app), policy === 'orphan' ? { cascade: false } : { cascade: true, propagationPolicy: policy })
      .then(onDeleted)
      .catch(setError)
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <Dialog title={`Delete ${name}`} open={open} onClose={onClose}>
      <form onSubmit={submit}>
        <ErrorBanner error={error} />
        <fieldset>
          <legend>Propagation</legend>
          <Check type="radio" name="propagation" label="Foreground" hint="delete the resources, then the app" checked={policy === 'foreground'} onChange={() => { setPolicy('foreground'); }} />
          <Check type="radio" name="propagation" label="Background" hint="delete the app, resources are deleted after" checked={policy === 'background'} onChange={() => { setPolicy('background'); }} />
          <Check type="radio" name="propagation" label="Non-cascading" hint="keep the resources running" checked={policy === 'orphan'} onChange={() => { setPolicy('orphan'); }} />
        </fieldset>
        <div className="field">
          <label htmlFor="delete-confirm">
            Type <strong>{name}</strong> to confirm
          </label>
          <input id="delete-confirm" value={typed} autoComplete="off" onChange={(e) => { setTyped(e.target.value); }} />
        </div>
        <DialogActions submit="Delete" busySubmit="Deleting…" kind="btn-danger" busy={busy} disabled={typed !== name} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

/** A dialog form's buttons: its submit (relabelled and disabled while the request runs) and Cancel. */
function DialogActions({ submit, busySubmit, kind, busy, disabled, onCancel }: { submit: string; busySubmit: string; kind: 'btn-primary' | 'btn-danger'; busy: boolean; disabled: boolean; onCancel: () => void }) {
  return (
    <div className="dialog-actions">
      <button type="submit" className={`btn ${kind}`} disabled={busy || disabled}>
        {busy ? busySubmit : submit}
      </button>
      <button type="button" className="btn" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
