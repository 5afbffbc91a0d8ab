// Shell completion scripts generated from the command tree: sub-commands and flags at every level.
import type { Command } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Node {
  /** Space-joined sub-command names from the root ('' for the root). */
  path: string;
  subcommands: { name: string; description: string }[];
  flags: string[];
}

/** Every command of the tree, with its sub-commands (aliases included) and flags. */
export function commandTree(root: Command): Node[] {
  const nodes: Node[] = [];
  const walk = (command: Command, path: string): void => {
    const subs = command.commands.filter((c) => c.name() !== 'help');
    const flags = [...command.options, ...(path === '' ? [] : root.options)].flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
    nodes.push({
      path,
      subcommands: subs.flatMap((c) => [c.name(), ...c.aliases()].map((name) => ({ name, description: c.description() }))),
      flags: [...new Set([...flags, '--help'])],
    });
    for (const sub of subs) for (const name of [sub.name(), ...sub.aliases()]) walk(sub, path === '' ? name : `${path} ${name}`);
  };
  walk(root, '');
  return nodes;
}

const shellWords = (words: readonly string[]): string => words.join(' ').replace(/["$`\\]/g, '');
const caseLabel = (path: string): string => `"${path}"`;

function bash(program: string, nodes: readonly Node[]): string {
  const fn = `_${program.replace(/[^a-zA-Z0-9_]/g, '_')}_completions`;
  const subcases = nodes
    .filter((n) => n.subcommands.length > 0)
    .map((n) => `      ${caseLabel(n.path)}) subs="${shellWords(n.subcommands.map((s) => s.name))}" ;;`)
    .join('\n');
  const wordcases = nodes.map((n) => `    ${caseLabel(n.path)}) words="${shellWords([...n.subcommands.map((s) => s.name), ...n.flags])}" ;;`).join('\n');
  return `# ${program} completion for bash: source <(${program} completion bash)
${fn}() {
  local cur path w i subs words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    subs=""
    case "$path" in
${subcases}
    esac
    for s in $subs; do
      if [[ "$s" == "$w" ]]; then
        if [[ -z "$path" ]]; then path="$w"; else path="$path $w"; fi
        break
      fi
    done
  done
  words=""
  case "$path" in
${wordcases}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F ${fn} ${program}
`;
}

function zsh(program: string, nodes: readonly Node[]): string {
  return `#compdef ${program}
# ${program} completion for zsh: source <(${program} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(program, nodes)}`;
}

function fish(program: string, nodes: readonly Node[]): string {
  const fn = `__${program.replace(/[^a-zA-Z0-9_]/g, '_')}_path`;
  const lines = [
    `# ${program} completion for fish: ${program} completion fish | source`,
    `function ${fn}`,
    '  set -l tokens (commandline -opc)',
    '  set -e tokens[1]',
    '  set -l path ""',
    '  for w in $tokens',
    '    if string match -q -- "-*" $w',
    '      continue',
    '    end',
    '    set -l subs',
    '    switch "$path"',
    ...nodes.filter((n) => n.subcommands.length > 0).map((n) => `      case ${caseLabel(n.path)}\n        set subs ${shellWords(n.subcommands.map((s) => s.name))}`),
    '    end',
    '    if contains -- $w $subs',
    '      if test -z "$path"',
    '        set path $w',
    '      else',
    '        set path "$path $w"',
    '      end',
    '    end',
    '  end',
    '  echo $path',
    'end',
    `complete -c ${program} -f`,
  ];
  for (const node of nodes) {
    const condition = `test (${fn}) = ${caseLabel(node.path)}`;
    for (const sub of node.subcommands) {
      lines.push(`complete -c ${program} -n '${condition}' -a ${sub.name} -d "${sub.description.replace(/["$`\\]/g, '').slice(0, 80)}"`);
    }
    for (const flag of node.flags.filter((f) => f.startsWith('--'))) lines.push(`complete -c ${program} -n '${condition}' -l ${flag.slice(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell, root: Command): string {
  const nodes = commandTree(root);
  switch (shell) {
    case 'bash':
      return bash(root.name(), nodes);
    case 'zsh':
      return zsh(root.name(), nodes);
    case 'fish':
      return fish(root.name(), nodes);
  }
}
