// The command tree: every command's --help shows an example; small command-level helpers.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Application } from '../../model/index.js';
import { expirySeconds } from './account/generate-token.js';
import { rollbackTarget } from './app/rollback.js';
import { registerUserCommands } from './index.js';
import { kawaCommand } from '../services/kawa-command.js';

function allCommands(root: Command): Command[] {
  const out: Command[] = [];
  const walk = (c: Command): void => {
    out.push(c);
    for (const sub of c.commands) walk(sub);
  };
  walk(root);
  return out;
}

const pathOf = (c: Command): string => {
  const names: string[] = [];
  for (let x: Command | null = c; x !== null; x = x.parent) names.unshift(x.name());
  return names.join(' ');
};

describe('help', () => {
  const program = new Command('kawa');
  registerUserCommands(program);
  const commands = allCommands(program);

  it('registers argocd nouns and verbs', () => {
    const paths = commands.map(pathOf);
    for (const expected of [
      'kawa login', 'kawa logout', 'kawa relogin', 'kawa context', 'kawa version',
      'kawa account update-password', 'kawa account can-i', 'kawa account generate-token', 'kawa account delete-token',
      'kawa app create', 'kawa app get', 'kawa app list', 'kawa app sync', 'kawa app diff', 'kawa app history', 'kawa app rollback', 'kawa app set', 'kawa app unset',
      'kawa app wait', 'kawa app delete', 'kawa app terminate-op', 'kawa app manifests', 'kawa app resources', 'kawa app patch', 'kawa app logs',
      'kawa proj create', 'kawa proj add-destination', 'kawa proj allow-cluster-resource', 'kawa proj role create-token', 'kawa proj windows add',
      'kawa repo add', 'kawa repocreds rm', 'kawa cluster add', 'kawa admin initial-password', 'kawa admin export', 'kawa admin import', 'kawa completion',
    ]) {
      expect(paths).toContain(expected);
    }
  });

  it.each(commands.map((c) => [pathOf(c), c] as const))('%s --help shows an example', (_path, command) => {
    let text = '';
    command.configureOutput({ writeOut: (t) => (text += t), writeErr: (t) => (text += t) });
    command.outputHelp();
    // Written the way kawa runs here (see kawa-command.ts), so they run as typed.
    expect(text).toMatch(new RegExp(`\\nExamples:\\n {2}.*${kawaCommand('').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
  });
});

describe('rollbackTarget', () => {
  const app = {
    metadata: { name: 'a' },
    status: { history: [{ id: 0, revision: 'aaa111' }, { id: 2, revision: 'ccc333' }, { id: 1, revision: 'bbb222' }] },
  } as unknown as Application;
  it.each<[string | undefined, string | undefined, number]>([
    ['0', undefined, 0],
    [undefined, 'bbb', 1],
    [undefined, undefined, 1],
  ])('id=%s revision=%s → %i', (id, revision, expected) => {
    expect(rollbackTarget(app, id, revision)).toBe(expected);
  });
  it.each<[string | undefined, string | undefined, RegExp]>([
    ['x', undefined, /whole number/],
    [undefined, 'zzz', /no history entry of a has revision zzz/],
  ])('refuses id=%s revision=%s', (id, revision, message) => {
    expect(() => rollbackTarget(app, id, revision)).toThrow(message);
  });
  it('needs an earlier deployment', () => {
    expect(() => rollbackTarget({ metadata: { name: 'a' }, status: { history: [{ id: 0 }] } } as unknown as Application, undefined, undefined)).toThrow(/no earlier deployment/);
  });
});

describe('expirySeconds', () => {
  it.each([
    [undefined, 0],
    ['0', 0],
    ['90', 90],
    ['1h', 3600],
    ['24h', 86_400],
  ])('%s → %i', (text, seconds) => {
    expect(expirySeconds(text)).toBe(seconds);
  });
  it('refuses garbage', () => {
    expect(() => expirySeconds('soon')).toThrow(/--expires-in wants a duration/);
  });
});
