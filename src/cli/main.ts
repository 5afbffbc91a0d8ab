#!/usr/bin/env node
// The `kawa` binary: user CLI verbs (argocd-compatible) and the server roles. Commands are thin; services do the work.
import { Command } from 'commander';
import { isKawaError, messageOf } from '../errors.js';
import { KAWA_VERSION } from '../version.js';
import { registerSettingsResourceOverridesHealth } from './commands/admin/settings-resource-overrides-health.js';
import { registerController } from './commands/controller/controller.js';
import { registerServer } from './commands/server/server.js';
import { registerRender } from './commands/render/render.js';
import { registerUp } from './commands/up/up.js';

export function buildProgram(): Command {
  const program = new Command('kawa')
    .description('kawa (川): GitOps continuous delivery for Kubernetes, compatible with Argo CD')
    .version(KAWA_VERSION, '--client-version', 'print the client version')
    .showHelpAfterError();

  program
    .command('version')
    .description('print version information')
    .option('--client', 'client version only')
    .action(() => {
      process.stdout.write(`kawa: v${KAWA_VERSION}\n`);
    });

  registerSettingsResourceOverridesHealth(program);
  registerServer(program);
  registerController(program);
  registerUp(program);
  registerRender(program);

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    process.stderr.write(`error: ${messageOf(err)}\n`);
    if (isKawaError(err)) process.stderr.write(`(${err.code})\n`);
    process.exitCode = 1;
  }
}

await main();
