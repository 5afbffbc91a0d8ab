// The example repository `kawa up` serves: the bundled examples/ directory committed into a local git
// repository (a new commit only when the files changed, so the revision stays put across restarts) and
// served read-only over smart HTTP on loopback, the way a real Git server would serve it.
import { cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { startGitHttpServer, type GitHttpServer } from '../../../git/http-server.js';
import { exec } from '../../../util/exec.js';

export interface ExampleRepo {
  server: GitHttpServer;
  url: string;
  revision: string;
}

const GIT_IDENTITY = ['-c', 'user.name=kawa', '-c', 'user.email=kawa@localhost', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

async function git(cwd: string, args: readonly string[]): Promise<string> {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' };
  const { stdout } = await exec('git', [...GIT_IDENTITY, ...args], { cwd, env, timeoutMs: 60_000 });
  return stdout.trim();
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** Commits `examplesDir` into `<stateDir>/source` (when changed), mirrors it to `<stateDir>/git/examples.git`, and serves it. */
export async function serveExampleRepo(examplesDir: string, stateDir: string, port: number): Promise<ExampleRepo> {
  const source = path.join(stateDir, 'source');
  const served = path.join(stateDir, 'git');
  const bare = path.join(served, 'examples.git');
  await mkdir(source, { recursive: true });
  if (!(await exists(path.join(source, '.git')))) await git(source, ['init', '--quiet']);
  for (const entry of await readdir(source)) {
    if (entry !== '.git') await rm(path.join(source, entry), { recursive: true, force: true });
  }
  await cp(examplesDir, source, { recursive: true });
  await git(source, ['add', '--all']);
  const changed = (await git(source, ['status', '--porcelain'])) !== '';
  if (changed) await git(source, ['commit', '--quiet', '--no-verify', '-m', 'kawa examples']);
  if (!(await exists(bare))) {
    await mkdir(bare, { recursive: true });
    await git(bare, ['init', '--quiet', '--bare']);
  }
  await git(source, ['push', '--quiet', '--mirror', '--', bare]);
  await git(bare, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  const revision = await git(source, ['rev-parse', 'HEAD']);
  const server = await startGitHttpServer({ root: served, port });
  return { server, url: server.urlFor('examples'), revision };
}
