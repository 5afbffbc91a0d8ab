// `kawa server` as a real process against the real API server: it starts, answers, and stops on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, inject, it } from 'vitest';
import { useNamespace } from '../harness/kube.js';

const ns = useNamespace('cli-server');

describe('kawa server', () => {
  it('serves the API until SIGTERM, then exits cleanly', async () => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', 'src/cli/main.ts', 'server',
      '--kubeconfig', inject('kubeconfig'), '--namespace', ns.name,
      '--address', '127.0.0.1', '--port', '0', '--install-crds',
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAWA_LOG_LEVEL: 'warn' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`no address in time; stderr: ${stderr}`)); }, 60_000);
        const check = (): void => {
          const m = /listening on (http:\/\/\S+)/.exec(stderr);
          if (m?.[1]) { clearTimeout(timer); resolve(m[1]); }
        };
        child.stderr.on('data', check);
        void exited.then(() => { reject(new Error(`kawa server exited early: ${stderr}`)); });
      });
      const version = (await (await fetch(`${address}/api/version`)).json()) as { Version?: string };
      expect(version.Version).toMatch(/^v\d+\.\d+\.\d+/);
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      expect((await fetch(`${address}/api/v1/applications`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
