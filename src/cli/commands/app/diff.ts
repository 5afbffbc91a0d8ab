// `kawa app diff NAME`: live state against the target state, as unified diffs. Exit 1 when they
// differ, 2 on any error, so it can gate a pull request in CI.
import path from 'node:path';
import type { Command } from 'commander';
import type { Application } from '../../../model/index.js';
import { applicationsApi, type AppId, type ManagedResource } from '../../services/api/applications.js';
import { splitAppName } from '../../services/app-spec.js';
import { parseState, renderDiffs, type DiffItem, type Json } from '../../services/diff.js';
import { EXIT, ExitSignal, ExitWith } from '../../services/errors.js';
import { outPaint } from '../../services/io.js';
import type { Session } from '../../services/session.js';
import { examples, getApp, note, out, sessionOf } from '../common.js';

interface Flags {
  local?: string;
  localRepoRoot?: string;
  revision?: string;
  exitCode?: boolean;
}

const keyOf = (r: { group?: string | undefined; kind?: string | undefined; namespace?: string | undefined; name?: string | undefined }): string =>
  `${r.group ?? ''}/${r.kind ?? ''}/${r.namespace ?? ''}/${r.name ?? ''}`;

function identity(obj: Json): { group: string; kind: string; namespace?: string; name: string } {
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const meta = (obj['metadata'] ?? {}) as Json;
  const ns = typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;
  return {
    group: apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '',
    kind: typeof obj['kind'] === 'string' ? obj['kind'] : '',
    name: typeof meta['name'] === 'string' ? meta['name'] : '',
    ...(ns === undefined ? {} : { namespace: ns }),
  };
}

/**
 * A copy without null map entries: Git's `env:` or `data:` with no value is absent to the API server, so
 * live never has it, and showing it would be a difference that a sync cannot remove.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === null ? [] : [[k, withoutNulls(v)]])));
}

/** Pairs desired objects with the live ones; an object without a namespace takes the live one's, or the destination's. */
export function pairTargets(live: readonly ManagedResource[], rendered: readonly Json[], destNamespace: string | undefined): DiffItem[] {
  const liveByKey = new Map(live.map((r) => [keyOf(r), r]));
  const used = new Set<string>();
  const items: DiffItem[] = [];
  for (const target of rendered.map((t) => withoutNulls(t) as Json)) {
    const id = identity(target);
    let k = keyOf(id);
    if (id.namespace === undefined) {
      const clusterScoped = liveByKey.get(k);
      const namespaced = destNamespace === undefined ? undefined : liveByKey.get(keyOf({ ...id, namespace: destNamespace }));
      if (clusterScoped === undefined && namespaced !== undefined) {
        k = keyOf({ ...id, namespace: destNamespace });
        target['metadata'] = { ...(target['metadata'] as Json), namespace: destNamespace };
      }
    }
    used.add(k);
    const match = liveByKey.get(k);
    items.push({ ...id, namespace: match?.namespace ?? (target['metadata'] as Json)['namespace'] as string | undefined, live: parseState(match?.normalizedLiveState ?? match?.liveState), target });
  }
  for (const r of live) {
    if (used.has(keyOf(r)) || r.hook === true) continue;
    const liveState = parseState(r.normalizedLiveState ?? r.liveState);
    if (liveState !== null) items.push({ ...r, live: liveState, target: null });
  }
  return items;
}

async function desiredFromServer(s: Session, id: AppId, revision: string): Promise<Json[]> {
  const answer = await applicationsApi(s.client).manifests(id, revision);
  return (answer.manifests ?? []).map((m) => JSON.parse(m) as Json);
}

async function desiredFromLocal(app: Application, dir: string, repoRoot: string | undefined): Promise<Json[]> {
  // Loaded on use: the renderers are heavy and only --local needs them (CLI start-up time).
  const { renderSource } = await import('../../../render/index.js');
  const root = path.resolve(repoRoot ?? dir);
  const result = await renderSource({
    repoRoot: root,
    path: path.relative(root, path.resolve(dir)),
    source: app.spec.source ?? app.spec.sources?.[0],
    appName: app.metadata.name,
    ...(app.spec.destination.namespace === undefined ? {} : { namespace: app.spec.destination.namespace }),
  });
  for (const warning of result.warnings) note(`warning: ${warning}\n`);
  return result.objects.map((o) => o.object as unknown as Json);
}

export function registerAppDiff(app: Command): void {
  const command = app
    .command('diff')
    .description('show the difference between the live state and the target state (exit 1: different, 2: error)')
    .argument('<name>', 'NAME or APP-NAMESPACE/NAME')
    .option('--local <dir>', 'compare with manifests rendered from a local directory (the app\'s source options apply)')
    .option('--local-repo-root <dir>', 'root of the local repository when --local is a sub-directory (for Helm/Kustomize files outside it)')
    .option('--revision <rev>', 'compare with the manifests of this revision')
    .option('--exit-code [bool]', 'exit 1 when there are differences (default true)', (v: string) => v !== 'false', true)
    .action(async (qualified: string, flags: Flags, cmd: Command) => {
      let different = 0;
      try {
        const s = await sessionOf(cmd);
        const id = splitAppName(qualified);
        const managed = await applicationsApi(s.client).managedResources(id);
        const live = managed.items ?? [];
        let items: DiffItem[];
        if (flags.local !== undefined || flags.revision !== undefined) {
          const application = await getApp(s, qualified);
          const targets = flags.local !== undefined ? await desiredFromLocal(application, flags.local, flags.localRepoRoot) : await desiredFromServer(s, id, flags.revision ?? '');
          items = pairTargets(live, targets, application.spec.destination.namespace);
        } else {
          items = live.filter((r) => r.hook !== true).map((r) => ({ ...r, live: parseState(r.normalizedLiveState ?? r.liveState), target: parseState(r.predictedLiveState ?? r.targetState) }));
        }
        const result = renderDiffs(items, outPaint());
        different = result.different;
        out(result.text);
      } catch (err) {
        throw new ExitWith(EXIT.USAGE, err);
      }
      if (different > 0 && flags.exitCode !== false) throw new ExitSignal(EXIT.FAILED);
    });
  examples(command, 'kawa app diff guestbook', 'kawa app diff guestbook --local ./guestbook      # before pushing a change', 'kawa app diff guestbook --revision my-branch || echo "would change the cluster"');
}
