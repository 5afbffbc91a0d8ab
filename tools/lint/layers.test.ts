// The layer rule of eslint.layers.js: a planted wrong-way import fails lint, a right-way one passes, and
// eslint.config.js really applies the rule to src/ (the config ESLint computes for a file carries it).
import path from 'node:path';
import { ESLint, Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerConfigs, layers } from '../../eslint.layers.js';

const root = path.resolve(import.meta.dirname, '../..');
const linter = new Linter({ configType: 'flat' });

function layerErrors(code: string, filename: string): string[] {
  const messages = linter.verify(code, [{ files: ['**/*.ts'] }, ...layerConfigs()], { filename: path.join(root, filename) });
  return messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

describe('layer rule', () => {
  it.each([
    ['src/controller/planted.ts', "import { x } from '../server/services/permissions.js';"],
    ['src/controller/sub/planted.ts', "import { x } from '../../server/app.js';"],
    ['src/server/planted.ts', "import { x } from '../controller/controller.js';"],
    ['src/kube/planted.ts', "import { x } from '../model/index.js';"],
    ['src/engine/diff/planted.ts', "export { x } from '../../git/mirror.js';"],
    ['src/render/planted.ts', "import { x } from '../localcluster/cluster.js';"],
    ['src/util/planted.ts', "import { x } from '../tools/pins.js';"],
    ['src/model/planted.test.ts', "import { x } from '../kube/objects.js';"],
    ['src/settings/planted.ts', "import { x } from '../server/app.js';"],
    ['src/engine/planted.ts', "import { x } from '../settings/reader.js';"],
  ])('refuses %s importing the wrong way', (file, code) => {
    const errors = layerErrors(code, file);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^no-restricted-imports: .*may import only/);
  });

  it.each([
    ['src/controller/planted.ts', "import { x } from '../livestate/source.js';"],
    ['src/controller/planted.ts', "import { x } from '../errors.js';"],
    ['src/server/services/planted.ts', "import { x } from '../../model/index.js';"],
    ['src/render/planted.ts', "import { x } from './tools.js';"],
    ['src/render/charts/planted.ts', "import { x } from '../tools.js';"],
    ['src/cli/commands/app/planted.ts', "import { x } from '../../../server/app.js';"],
    ['src/kube/planted.ts', "import { x } from '../util/glob.js';"],
    ['src/settings/planted.ts', "import { x } from '../kube/informer.js';"],
    ['src/server/auth/planted.ts', "import { x } from '../../settings/reader.js';"],
    ['src/controller/planted.ts', "import { x } from '../settings/index.js';"],
  ])('lets %s import the right way', (file, code) => {
    expect(layerErrors(code, file)).toEqual([]);
  });

  it('names only known layers, never itself, and has no cycle', () => {
    const names = Object.keys(layers);
    const graph = layers;
    for (const [layer, allowed] of Object.entries(graph)) {
      expect(allowed).not.toContain(layer);
      for (const dep of allowed) expect(names).toContain(dep);
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (layer: string, trail: string[]): void => {
      if (done.has(layer)) return;
      if (visiting.has(layer)) throw new Error(`layer cycle: ${[...trail, layer].join(' -> ')}`);
      visiting.add(layer);
      for (const dep of graph[layer] ?? []) visit(dep, [...trail, layer]);
      visiting.delete(layer);
      done.add(layer);
    };
    for (const layer of names) visit(layer, []);
  });

  it('is applied by eslint.config.js to the files of every layer', async () => {
    const eslint = new ESLint({ cwd: root });
    for (const file of ['src/controller/controller.ts', 'src/server/services/applications.ts', 'src/kube/cache.ts']) {
      const config = (await eslint.calculateConfigForFile(path.join(root, file))) as { rules?: Record<string, unknown> };
      expect(JSON.stringify(config.rules?.['no-restricted-imports'])).toContain('may import only');
    }
  });
});
