// Settings as every role reads them: one watch-backed reader of argocd-cm, argocd-rbac-cm, argocd-secret and
// the Secrets settings may reference (see reader.ts).
export {
  CONFIGMAPS,
  SECRETS,
  SETTINGS_CONFIGMAPS,
  SettingsReader,
  emptySettingsSources,
  isSettingsSecret,
  kubeSettingsSources,
  type SettingsChange,
  type SettingsKind,
  type SettingsReaderOptions,
  type SettingsSources,
} from './reader.js';
export { parseArgoCdSecrets, type ArgoCdSecrets } from './argocd-secrets.js';
