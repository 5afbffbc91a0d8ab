import { describe, expect, it } from 'vitest';
import { emptyAppForm, formToApplication, validateAppForm } from './app-form';

const base = { ...emptyAppForm, name: 'guestbook', repoURL: 'https://git.example/apps.git', path: 'guestbook', namespace: 'gb' };

describe('the new-application form', () => {
  it('makes a plain directory app', () => {
    expect(formToApplication(base)).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'guestbook' },
      spec: { project: 'default', source: { repoURL: 'https://git.example/apps.git', targetRevision: 'HEAD', path: 'guestbook' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'gb' } },
    });
  });
  it('adds the sync policy and options', () => {
    const app = formToApplication({ ...base, autoSync: true, prune: true, selfHeal: false, createNamespace: true });
    expect(app.spec.syncPolicy).toEqual({ automated: { prune: true, selfHeal: false }, syncOptions: ['CreateNamespace=true'] });
  });
  it('adds Helm fields for a chart', () => {
    const app = formToApplication({ ...base, sourceType: 'helm', chart: 'redis', path: '', revision: '1.2.3', helmParameters: 'a=1\nb = two', helmValueFiles: 'values-prod.yaml' });
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example/apps.git', targetRevision: '1.2.3', chart: 'redis', helm: { valueFiles: ['values-prod.yaml'], parameters: [{ name: 'a', value: '1' }, { name: 'b', value: 'two' }] } });
  });
  it('adds Jsonnet variables', () => {
    expect(formToApplication({ ...base, sourceType: 'jsonnet', jsonnetExtVars: 'env=prod' }).spec.source?.directory).toEqual({ jsonnet: { extVars: [{ name: 'env', value: 'prod' }] } });
  });
  it('validates', () => {
    expect(validateAppForm(base)).toEqual([]);
    expect(validateAppForm({ ...base, name: 'Bad_Name', repoURL: '' })).toHaveLength(2);
  });
});
