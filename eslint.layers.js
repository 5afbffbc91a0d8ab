// kawa's layers: which folder of src/ may import which. Lint fails on a wrong-way import, so the graph
// below stays true as the code grows (tools/lint/layers.test.ts plants one and expects the error).
//
// From the bottom up:
// - `errors.ts` and `version.ts` (files at the root of src/) are leaves every layer may use.
// - `util/` is plain helpers with no knowledge of kawa: processes, file locks, globs, shutdown.
// - `tools/` pins and builds the external binaries (Kubernetes, helm, kustomize, jsonnet) over util.
// - `model/` is Argo CD's kinds and settings as data: schemas, parsing, validation, project rules. Pure.
// - `kube/` talks to Kubernetes: REST, discovery, list/watch, informers, the cluster cache, tracking.
//   It knows Kubernetes objects, not Argo CD's kinds, so it does not import model/.
// - `git/` mirrors repositories and picks credentials (model/ for the repository kinds).
// - `settings/` is the one watch-backed reader of argocd-cm, argocd-rbac-cm, argocd-secret and the Secrets
//   settings may reference, for every role (kube/ for the informers, model/ for the names and parsing).
// - `render/` turns a source into manifests (git/ for the checkout, tools/ for the renderers).
// - `reposerver/` serves renders with a cache (render/).
// - `engine/` is compare, health, diff, sync planning and the persisted operation runner, over kube/
//   and model/; it knows nothing of Git or rendering.
// - `livestate/` joins a cluster cache to the rendered desired state; shared by controller and server.
// - `controller/` and `server/` are the two roles on top; neither imports the other.
// - `localcluster/` runs a local control plane (tools/, kube/).
// - `cli/` is the composition root: it may import everything.
// Tests follow the same rules as the code beside them.

/** Each layer and the layers it may import (besides itself and the root files). */
export const layers = {
  util: [],
  tools: ['util'],
  model: ['util'],
  kube: ['util'],
  git: ['model', 'util'],
  settings: ['kube', 'model', 'util'],
  render: ['tools', 'git', 'kube', 'model', 'util'],
  reposerver: ['settings', 'render', 'git', 'kube', 'model', 'util'],
  engine: ['kube', 'model', 'util'],
  livestate: ['settings', 'reposerver', 'render', 'engine', 'git', 'kube', 'model', 'util'],
  controller: ['settings', 'livestate', 'reposerver', 'render', 'engine', 'git', 'kube', 'model', 'util'],
  server: ['settings', 'livestate', 'reposerver', 'render', 'engine', 'git', 'kube', 'model', 'util'],
  localcluster: ['tools', 'kube', 'util'],
  cli: ['localcluster', 'server', 'controller', 'settings', 'livestate', 'reposerver', 'render', 'engine', 'git', 'kube', 'model', 'tools', 'util'],
};

const MAX_DEPTH = 6;

/**
 * One flat-config entry per layer and folder depth: a relative import that climbs exactly out of src/<layer>/
 * and into a forbidden layer is refused. Matching on the exact depth keeps a sub-folder that shares a
 * layer's name (render/tools.ts is not tools/) from being mistaken for it.
 */
export function layerConfigs() {
  const names = Object.keys(layers);
  const configs = [];
  for (const [layer, allowed] of Object.entries(layers)) {
    const forbidden = names.filter((name) => name !== layer && !allowed.includes(name));
    if (forbidden.length === 0) continue;
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      const dirs = '*/'.repeat(depth - 1);
      configs.push({
        files: [`src/${layer}/${dirs}*.ts`, `src/${layer}/${dirs}*.tsx`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^${'\\.\\./'.repeat(depth)}(${forbidden.join('|')})(/|$)`,
                  message: `src/${layer}/ may import only ${allowed.length === 0 ? 'the root files' : allowed.map((a) => a + '/').join(', ')} (see the layer graph in eslint.layers.js).`,
                },
              ],
            },
          ],
        },
      });
    }
  }
  return configs;
}
