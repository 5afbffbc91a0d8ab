#!/usr/bin/env node
// The `kawa` binary: user CLI verbs (argocd-compatible) and the server roles. Commands are thin; services do the work.
import { Command } from 'commander';
import { KAWA_VERSION } from '../version.js';
import { registerSettingsResourceOverridesHealth } from './commands/admin/settings-resource-overrides-health.js';
import { registerUserCommands } from './commands/index.js';
import { registerController } from './commands/controller/controller.js';
import { registerServer } from './commands/server/server.js';
import { registerRender } from './commands/render/render.js';
import { registerRepoServer } from './commands/repo-server/repo-server.js';
import { registerUp } from './commands/up/up.js';
import { reportCliError } from './services/errors.js';
import { closeSessions } from './services/session.js';

export function buildProgram(): Command {
  const program = new Command('kawa')
    .description('kawa (川): GitOps continuous delivery for Kubernetes, compatible with Argo CD')
    .version(KAWA_VERSION, '--client-version', 'print the client version')
    .showHelpAfterError();

  // First: its global flags and error handling are inherited by every command registered after it.
  registerUserCommands(program);
  registerSettingsResourceOverridesHealth(program);
  registerServer(program);
  registerController(program);
  registerRepoServer(program);
  registerUp(program);
  registerRender(program);

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    await closeSessions();
    process.exitCode = reportCliError(err, { err: (text) => process.stderr.write(text), stderrTty: process.stderr.isTTY, env: process.env });
  }
}

await main();
