// `npm run manifests`: writes the chart's CRD templates (from src/model/crds.ts), its Chart.yaml versions
// (from package.json) and manifests/**/*.yaml (helm template of charts/kawa per flavour, with the pinned helm).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { messageOf } from '../../src/errors.js';
import { ensureTools } from '../../src/tools/build-tools.js';
import { loadPins, projectRoot } from '../../src/tools/pins.js';
import { CHART_DIR, generate } from './generate.js';

async function main(): Promise<void> {
  const root = projectRoot();
  const { helm } = await ensureTools(loadPins(root), { only: ['helm'], log: (line) => { process.stderr.write(`[tools] ${line}\n`); } });
  if (helm === undefined) throw new Error('no pinned helm in tools/cluster/versions.json');
  const files = await generate(root, helm);
  // CRD templates of CRDs crds.ts no longer builds go away.
  const crdDir = path.join(root, CHART_DIR, 'templates', 'crds');
  for (const name of await readdir(crdDir).catch(() => [])) {
    if (!files.has(`${CHART_DIR}/templates/crds/${name}`)) await rm(path.join(crdDir, name));
  }
  for (const [file, content] of files) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
    process.stdout.write(`${file}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`manifests: ${messageOf(err)}\n`);
  process.exitCode = 1;
});
