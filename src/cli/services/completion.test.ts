// Completion scripts from the real command tree.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerUserCommands } from '../commands/index.js';
import { commandTree, completionScript } from './completion.js';

const program = (): Command => {
  const p = new Command('kawa');
  registerUserCommands(p);
  return p;
};

describe('completion', () => {
  it('knows every level of the tree', () => {
    const nodes = commandTree(program());
    const root = nodes.find((n) => n.path === '');
    expect(root?.subcommands.map((s) => s.name)).toEqual(expect.arrayContaining(['login', 'app', 'proj', 'repo', 'cluster', 'completion']));
    const app = nodes.find((n) => n.path === 'app');
    expect(app?.subcommands.map((s) => s.name)).toEqual(expect.arrayContaining(['create', 'sync', 'diff', 'rollback', 'ls']));
    expect(nodes.find((n) => n.path === 'app sync')?.flags).toEqual(expect.arrayContaining(['--prune', '--server', '--help']));
    expect(nodes.find((n) => n.path === 'proj role create')).toBeDefined();
  });

  it('the bash script completes sub-commands and flags in a real bash', async () => {
    const script = completionScript('bash', program());
    const run = async (line: string[]): Promise<string[]> => {
      const words = line.map((w) => `'${w}'`).join(' ');
      const { stdout } = await promisify(execFile)('bash', ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _kawa_completions; printf '%s\\n' "\${COMPREPLY[@]}"`]);
      return stdout.split('\n').filter((l) => l !== '');
    };
    expect(await run(['kawa', 'ap'])).toEqual(['app']);
    expect(await run(['kawa', 'app', 'sy'])).toEqual(['sync']);
    expect(await run(['kawa', 'app', 'sync', 'guestbook', '--pr'])).toEqual(['--prune']);
    expect(await run(['kawa', '--plaintext', 'proj', 'role', 'cr'])).toEqual(['create', 'create-token']);
  });

  it.each(['zsh', 'fish'] as const)('%s script mentions the commands', (shell) => {
    const script = completionScript(shell, program());
    expect(script).toContain('sync');
    expect(script).toContain('kawa');
  });
});
