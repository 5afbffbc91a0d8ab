// `kawa completion bash|zsh|fish`: the shell completion script.
import { Argument, type Command } from 'commander';
import { completionScript, SHELLS, type Shell } from '../../services/completion.js';
import { examples, out } from '../common.js';

export function registerCompletion(program: Command): void {
  examples(
    program
      .command('completion')
      .description('print the shell completion script')
      .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
      .action((shell: Shell) => {
        out(completionScript(shell, program));
      }),
    'source <(kawa completion bash)          # add to ~/.bashrc',
    'source <(kawa completion zsh)           # add to ~/.zshrc',
    'kawa completion fish > ~/.config/fish/completions/kawa.fish',
  );
}
