// The committed install manifests and chart CRD templates are what `npm run manifests` generates now,
// and their CRDs are exactly src/model/crds.ts's.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kawaCrds } from '../../src/model/crds.js';
import { loadPins, pinnedBinary, projectRoot } from '../../src/tools/pins.js';
import { CHART_DIR, FLAVOURS, generate } from './generate.js';

const root = projectRoot();
const helm = pinnedBinary(loadPins(root), 'helm');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
}

async function objectsOf(file: string): Promise<Obj[]> {
  return parseAllDocuments(await readFile(path.join(root, file), 'utf8'))
    .map((doc) => doc.toJS() as Obj | null)
    .filter((obj): obj is Obj => obj !== null);
}

describe('generated files', () => {
  it('are current: the committed chart CRD templates, Chart.yaml and manifests equal a fresh generation', async () => {
    const files = await generate(root, helm);
    expect([...files.keys()].sort()).toEqual(
      [`${CHART_DIR}/Chart.yaml`, `${CHART_DIR}/templates/crds/applications.yaml`, `${CHART_DIR}/templates/crds/appprojects.yaml`, ...FLAVOURS.map((f) => f.out)].sort(),
    );
    const stale: string[] = [];
    for (const [file, content] of files) {
      const committed = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
      if (committed !== content) stale.push(file);
    }
    // No CRD template of a CRD crds.ts no longer builds.
    for (const name of await readdir(path.join(root, CHART_DIR, 'templates', 'crds'))) {
      if (!files.has(`${CHART_DIR}/templates/crds/${name}`)) stale.push(`${CHART_DIR}/templates/crds/${name} (no longer generated)`);
    }
    expect(stale, `out of date: ${stale.join(', ')}; run \`npm run manifests\` and commit the result`).toEqual([]);
  });

  it('carry the CRDs exactly as src/model/crds.ts builds them, kept on helm uninstall', async () => {
    for (const flavour of FLAVOURS) {
      const crds = (await objectsOf(flavour.out)).filter((o) => o.kind === 'CustomResourceDefinition');
      expect(crds.map((c) => c.metadata.name), flavour.out).toEqual(kawaCrds().map((c) => c.metadata.name));
      for (const crd of crds) {
        const { annotations, ...metadata } = crd.metadata;
        expect(annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
        expect({ ...crd, metadata }).toEqual(kawaCrds().find((c) => c.metadata.name === crd.metadata.name));
      }
    }
  });

  it('put every namespaced object in namespace argocd, and bind the cluster roles to its service accounts', async () => {
    const clusterScoped = new Set(['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);
    for (const flavour of FLAVOURS) {
      for (const obj of await objectsOf(flavour.out)) {
        expect(obj.metadata.namespace, `${flavour.out} ${obj.kind}/${obj.metadata.name}`).toBe(clusterScoped.has(obj.kind) ? undefined : 'argocd');
        if (obj.kind === 'ClusterRoleBinding' || obj.kind === 'RoleBinding') {
          expect((obj as unknown as { subjects: { namespace: string }[] }).subjects.map((s) => s.namespace)).toEqual(['argocd']);
        }
      }
    }
  });
});
