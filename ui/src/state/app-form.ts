// The new-application form's model, and its translation to an Application (pure, tested).
import type { Application, ApplicationSource } from '../api/types';

export type SourceType = 'directory' | 'helm' | 'kustomize' | 'jsonnet';

export interface AppForm {
  name: string;
  project: string;
  repoURL: string;
  revision: string;
  path: string;
  chart: string;
  sourceType: SourceType;
  server: string;
  namespace: string;
  autoSync: boolean;
  prune: boolean;
  selfHeal: boolean;
  createNamespace: boolean;
  serverSideApply: boolean;
  recurse: boolean;
  helmValueFiles: string;
  helmValues: string;
  helmParameters: string;
  helmReleaseName: string;
  kustomizeNamePrefix: string;
  kustomizeImages: string;
  jsonnetExtVars: string;
  jsonnetTlas: string;
}

export const emptyAppForm: AppForm = {
  name: '',
  project: 'default',
  repoURL: '',
  revision: 'HEAD',
  path: '',
  chart: '',
  sourceType: 'directory',
  server: 'https://kubernetes.default.svc',
  namespace: '',
  autoSync: false,
  prune: false,
  selfHeal: false,
  createNamespace: false,
  serverSideApply: false,
  recurse: false,
  helmValueFiles: '',
  helmValues: '',
  helmParameters: '',
  helmReleaseName: '',
  kustomizeNamePrefix: '',
  kustomizeImages: '',
  jsonnetExtVars: '',
  jsonnetTlas: '',
};

const lines = (s: string): string[] =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

function pairs(s: string): { name: string; value: string }[] {
  return lines(s).map((l) => {
    const eq = l.indexOf('=');
    return eq < 0 ? { name: l, value: '' } : { name: l.slice(0, eq).trim(), value: l.slice(eq + 1).trim() };
  });
}

export function validateAppForm(f: AppForm): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(f.name) || f.name.length > 53) problems.push('Name: lowercase letters, digits and "-", at most 53 characters.');
  if (f.project === '') problems.push('Project is required.');
  if (f.repoURL === '') problems.push('Repository URL is required.');
  if (f.sourceType === 'helm' && f.chart === '' && f.path === '') problems.push('A Helm source needs a chart or a path.');
  if (f.sourceType !== 'helm' && f.path === '') problems.push('Path is required.');
  if (f.server === '') problems.push('Destination cluster is required.');
  return problems;
}

export function formToApplication(f: AppForm): Application {
  const source: ApplicationSource = { repoURL: f.repoURL.trim(), targetRevision: f.revision.trim() === '' ? 'HEAD' : f.revision.trim() };
  if (f.sourceType === 'helm' && f.chart !== '') source.chart = f.chart.trim();
  else source.path = f.path.trim();
  switch (f.sourceType) {
    case 'helm': {
      const helm: NonNullable<ApplicationSource['helm']> = {};
      if (lines(f.helmValueFiles).length > 0) helm.valueFiles = lines(f.helmValueFiles);
      if (f.helmValues.trim() !== '') helm.values = f.helmValues;
      if (lines(f.helmParameters).length > 0) helm.parameters = pairs(f.helmParameters);
      if (f.helmReleaseName.trim() !== '') helm.releaseName = f.helmReleaseName.trim();
      if (Object.keys(helm).length > 0) source.helm = helm;
      break;
    }
    case 'kustomize': {
      const kustomize: NonNullable<ApplicationSource['kustomize']> = {};
      if (f.kustomizeNamePrefix.trim() !== '') kustomize.namePrefix = f.kustomizeNamePrefix.trim();
      if (lines(f.kustomizeImages).length > 0) kustomize.images = lines(f.kustomizeImages);
      if (Object.keys(kustomize).length > 0) source.kustomize = kustomize;
      break;
    }
    case 'jsonnet': {
      const extVars = pairs(f.jsonnetExtVars);
      const tlas = pairs(f.jsonnetTlas);
      source.directory = { ...(f.recurse ? { recurse: true } : {}), jsonnet: { ...(extVars.length > 0 ? { extVars } : {}), ...(tlas.length > 0 ? { tlas } : {}) } };
      break;
    }
    case 'directory':
      if (f.recurse) source.directory = { recurse: true };
      break;
  }
  const syncOptions = [...(f.createNamespace ? ['CreateNamespace=true'] : []), ...(f.serverSideApply ? ['ServerSideApply=true'] : [])];
  const syncPolicy = {
    ...(f.autoSync ? { automated: { prune: f.prune, selfHeal: f.selfHeal } } : {}),
    ...(syncOptions.length > 0 ? { syncOptions } : {}),
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: f.name.trim() },
    spec: {
      project: f.project,
      source,
      destination: { server: f.server.trim(), ...(f.namespace.trim() === '' ? {} : { namespace: f.namespace.trim() }) },
      ...(Object.keys(syncPolicy).length > 0 ? { syncPolicy } : {}),
    },
  };
}
