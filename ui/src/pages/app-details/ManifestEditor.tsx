// The manifest tab: the application as YAML, editable (metadata the user may change, and the spec).
import { useState } from 'react';
import { parse } from 'yaml';
import { applicationService } from '../../api/applications';
import type { Application } from '../../api/types';
import { ErrorBanner } from '../../components/ui';
import { toYaml } from '../../state/diff';

/** What the editor shows: the metadata a user may change (with resourceVersion, so a concurrent change is a conflict) and the spec; status and server-set fields stay out. */
function editable(app: Application): Application {
  const { metadata, spec } = app;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: metadata.name,
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
      ...(metadata.labels === undefined ? {} : { labels: metadata.labels }),
      ...(metadata.annotations === undefined ? {} : { annotations: metadata.annotations }),
      ...(metadata.finalizers === undefined ? {} : { finalizers: metadata.finalizers }),
      ...(metadata.resourceVersion === undefined ? {} : { resourceVersion: metadata.resourceVersion }),
    },
    spec,
  };
}

export function ManifestEditor({ app, onSaved }: { app: Application; onSaved: (a: Application) => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const start = () => {
    setText(toYaml(editable(app)));
    setEditing(true);
    setError(undefined);
  };
  const save = () => {
    let parsed: unknown;
    try {
      parsed = parse(text);
    } catch (err) {
      setError(err);
      return;
    }
    setSaving(true);
    applicationService
      .update(parsed as Application)
      .then((a) => {
        setEditing(false);
        onSaved(a);
      })
      .catch(setError)
      .finally(() => {
        setSaving(false);
      });
  };
  return (
    <div className="manifest">
      <div className="toolbar">
        {editing ? (
          <>
            <button type="button" className="btn btn-primary" onClick={save} disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="btn" onClick={() => { setEditing(false); }}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="btn" onClick={start}>
            Edit as YAML
          </button>
        )}
      </div>
      <ErrorBanner error={error} />
      {editing ? (
        <textarea className="code-edit" aria-label="Application manifest (YAML)" spellCheck={false} value={text} onChange={(e) => { setText(e.target.value); }} rows={30} />
      ) : (
        <pre className="code" tabIndex={0} aria-label="Application manifest">
          {toYaml(app)}
        </pre>
      )}
    </div>
  );
}
