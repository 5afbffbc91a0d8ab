import { describe, expect, it } from 'vitest';
import { buildEnvironment, envsubst } from './envsubst.js';

const env = { ARGOCD_APP_NAME: 'shop', X: 'x' };

describe('envsubst (Go os.Expand, as Argo CD uses it)', () => {
  it.each([
    ['$ARGOCD_APP_NAME', 'shop'],
    ['${ARGOCD_APP_NAME}-v1', 'shop-v1'],
    ['$X$X', 'xx'],
    ['$UNKNOWN|', '|'],
    ['pa$$word', 'pa$word'],
    ['cost: 5$', 'cost: 5$'],
    ['a $ b', 'a $ b'],
    ['${}x', 'x'],
    ['${X', 'X'],
    ['$1 $* $-', '  '],
    ['${NO SPACE}.', '.'],
  ])('%s → %s', (text, expected) => {
    expect(envsubst(text, env)).toBe(expected);
  });

  it('builds the ARGOCD_APP_* variables', () => {
    expect(buildEnvironment({ appName: 'shop', namespace: 'web', revision: '0123456789abcdef', repoURL: 'https://git.example.com/r.git', path: 'apps/shop', targetRevision: 'main' })).toEqual({
      ARGOCD_APP_NAME: 'shop',
      ARGOCD_APP_NAMESPACE: 'web',
      ARGOCD_APP_REVISION: '0123456789abcdef',
      ARGOCD_APP_REVISION_SHORT: '0123456',
      ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/r.git',
      ARGOCD_APP_SOURCE_PATH: 'apps/shop',
      ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
    });
  });
});
