// Vitest global setup for the unit project: the renderer tests run the real helm, kustomize and jsonnet,
// so the pinned builds must exist before the first test. Nothing is rebuilt when cached; a fresh
// machine builds them here (under the same lock as `npm run tools:build`), so `npm test` needs no other step.
import { ensureTools } from '../../src/tools/build-tools.js';
import { loadPins, projectRoot } from '../../src/tools/pins.js';

export const RENDERERS = ['helm', 'kustomize', 'jsonnet'] as const;

export default async function setup(): Promise<void> {
  await ensureTools(loadPins(projectRoot()), { only: RENDERERS, log: (line) => { process.stderr.write(`[tools] ${line}\n`); } });
}
