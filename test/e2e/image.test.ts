// kawa's container image (npm run image), run for real with podman the way the install runs it: uid 999,
// a read-only root filesystem with only /tmp and /home/kawa writable (tmpfs here, emptyDir volumes there).
// The archive is built by the same driver as `npm run image` when the sources changed (test/harness/image.ts).
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGroup, loadPins, projectRoot } from '../../src/tools/pins.js';
import { loadImagePins } from '../../tools/image/build.js';
import { ensureImage } from '../harness/image.js';
import { loadImage, podman, removeAllContainers, runContainer, runOnce } from '../harness/podman.js';

const root = projectRoot();
const pins = loadPins(root);
const imagePins = loadImagePins(root);
const version = (name: string): string => findGroup(pins, name).version;
const toolsDir = '/opt/kawa/tools/bin';

interface ListOutput {
  kind: string;
  items: { kind: string; metadata: { name: string; namespace?: string }; data?: Record<string, string> }[];
}

describe('the kawa image', () => {
  let image: string;
  let fixtures: string;

  beforeAll(async () => {
    // A cold build (rootfs, node_modules) takes a few minutes once; a warm one about a minute.
    image = await loadImage(await ensureImage());
    fixtures = await mkdtemp(path.join(tmpdir(), 'kawa-image-e2e-'));
    // Readable by the image's user (999), mounted read-only.
    await chmod(fixtures, 0o755);
    const files: Record<string, string> = {
      'chart/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\n',
      'chart/values.yaml': 'greeting: hello\n',
      'chart/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  helm: {{ .Capabilities.HelmVersion.Version | quote }}\n',
      'kustomize/kustomization.yaml': 'namePrefix: k-\nresources:\n  - cm.yaml\n',
      'kustomize/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: "1"\n',
      'jsonnet/main.jsonnet': '{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "from-jsonnet" }, data: { sum: std.toString(1 + 2) } }\n',
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.join(fixtures, path.dirname(file)), { recursive: true, mode: 0o755 });
      await writeFile(path.join(fixtures, file), text, { mode: 0o644 });
    }
    for (const dir of ['chart', 'chart/templates', 'kustomize', 'jsonnet']) await chmod(path.join(fixtures, dir), 0o755);
  }, 20 * 60_000);

  afterAll(async () => {
    await removeAllContainers();
    await rm(fixtures, { recursive: true, force: true });
  });

  it('is configured for every role: entrypoint kawa, user 999, HOME, KAWA_TOOLS_DIR, OCI labels', async () => {
    const { stdout } = await podman(['image', 'inspect', '--format', '{{json .Config}}', image]);
    const config = JSON.parse(stdout) as { User: string; Entrypoint: string[]; Env: string[]; WorkingDir: string; Labels: Record<string, string> };
    expect(config.User).toBe('999:999');
    expect(config.Entrypoint).toEqual(['/usr/local/bin/kawa']);
    expect(config.Env).toEqual(expect.arrayContaining(['HOME=/home/kawa', `KAWA_TOOLS_DIR=${toolsDir}`]));
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(config.Labels['org.opencontainers.image.version']).toBe(pkg.version);
    expect(config.Labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$|^unknown$/);
  });

  it('runs `kawa version` as uid 999 on a read-only root, with node from the pins', async () => {
    const result = await runOnce({ image, readOnly: true, args: ['version', '--client'] });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Node.js: v${imagePins.node.version}`);

    const probe = await runOnce({
      image,
      readOnly: true,
      entrypoint: '/bin/sh',
      args: ['-c', 'id -u; id -g; echo "$HOME"; touch /opt/kawa/x 2>/dev/null && echo root-writable || echo root-read-only; touch /tmp/x "$HOME/x" && echo scratch-writable'],
    });
    expect(probe.code).toBe(0);
    expect(probe.stdout.split('\n')).toEqual(['999', '999', '/home/kawa', 'root-read-only', 'scratch-writable', '']);
  });

  it('runs long-lived containers that the harness stops, kills and always removes', async () => {
    const exists = async (name: string): Promise<boolean> => (await podman(['container', 'exists', name], { allowFailure: true })).code === 0;
    // node as PID 1 gets no default SIGTERM handler: the script exits on it itself, as kawa's roles do.
    const script = "process.on('SIGTERM', () => { console.log('terminated'); process.exit(3); }); console.log('ready', process.env.PROBE); setInterval(() => undefined, 1000);";
    const lines: string[] = [];
    const graceful = await runContainer({ image, readOnly: true, entrypoint: '/usr/local/bin/node', args: ['-e', script], env: { PROBE: 'from-env' }, onLine: (line) => lines.push(line) });
    await graceful.waitForLog('ready from-env', 30_000);
    expect(await exists(graceful.name)).toBe(true);
    expect(await graceful.stop(10)).toBe(3);
    expect(graceful.logs()).toContain('terminated');
    expect(lines).toEqual(['ready from-env', 'terminated']);
    expect(await exists(graceful.name)).toBe(false);

    const killed = await runContainer({ image, readOnly: true, entrypoint: '/bin/sh', args: ['-c', 'echo up; exec sleep 600'] });
    await killed.waitForLog('up', 30_000);
    expect(await killed.kill()).toBe(137);
    expect(await exists(killed.name)).toBe(false);
  });

  it('has git, ssh and the pinned helm, kustomize and jsonnet', async () => {
    const script = [
      'git --version',
      'ssh -V 2>&1',
      `${toolsDir}/helm-${version('helm')} version --template '{{.Version}}'; echo`,
      `${toolsDir}/kustomize-${version('kustomize')} version`,
      `${toolsDir}/jsonnet-${version('jsonnet')} --version`,
    ].join(' && ');
    const result = await runOnce({ image, readOnly: true, entrypoint: '/bin/sh', args: ['-c', script] });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^git version 2\.\d+/);
    expect(lines[1]).toMatch(/^OpenSSH_\d/);
    expect(lines[2]).toBe(version('helm'));
    expect(lines[3]).toContain(version('kustomize'));
    expect(lines[4]).toContain(version('jsonnet'));
  });

  it('renders a Helm chart, a Kustomize dir and Jsonnet mounted read-only, with the renderers of KAWA_TOOLS_DIR', async () => {
    // HOME is an empty tmpfs: no ~/.cache/kawa/bin, and no Go to build one — the renderers can only come from KAWA_TOOLS_DIR.
    const render = (dir: string, extra = ''): string => `kawa render /src/${dir} --root /src -o json ${extra}`;
    const script = [render('chart', '--app-name demo'), 'echo ===', render('kustomize'), 'echo ===', render('jsonnet')].join(' && ');
    const result = await runOnce({
      image,
      readOnly: true,
      entrypoint: '/bin/sh',
      args: ['-c', script],
      mounts: [{ source: fixtures, target: '/src', readOnly: true }],
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/building/i);
    const [helm, kustomize, jsonnet] = result.stdout.split('===\n').map((text) => JSON.parse(text) as ListOutput);
    expect(helm?.items.map((o) => [o.kind, o.metadata.name, o.data?.['greeting'], o.data?.['helm']])).toEqual([['ConfigMap', 'demo-cm', 'hello', version('helm')]]);
    expect(kustomize?.items.map((o) => [o.kind, o.metadata.name])).toEqual([['ConfigMap', 'k-plain']]);
    expect(jsonnet?.items.map((o) => [o.metadata.name, o.data?.['sum']])).toEqual([['from-jsonnet', '3']]);

    // Without KAWA_TOOLS_DIR, kawa looks in ~/.cache/kawa/bin and would build there: the image has no Go.
    const without = await runOnce({
      image,
      readOnly: true,
      args: ['render', '/src/kustomize', '--root', '/src', '-o', 'json'],
      env: { KAWA_TOOLS_DIR: '' },
      mounts: [{ source: fixtures, target: '/src', readOnly: true }],
    });
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/go is not installed|KAWA_TOOL/);
  });
});
