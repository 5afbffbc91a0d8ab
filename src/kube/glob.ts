// Glob patterns as argocd-cm uses them for API groups, kinds and cluster URLs: `*` (any run, `/` and `.`
// included), `?` (one character), `[abc]` / `[a-z]` / `[!abc]`, `{a,b}` (alternatives), `\` escapes.
// Compiled once to an anchored RegExp and cached, since filters run on every discovered type.

const cache = new Map<string, RegExp>();

function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

function compile(pattern: string): string {
  let out = '';
  let depth = 0; // inside `{…}`: a `,` separates alternatives
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    switch (ch) {
      case '\\': {
        i++;
        out += i < pattern.length ? escapeRegExp(pattern.charAt(i)) : '\\\\';
        break;
      }
      case '*':
        out += '.*';
        break;
      case '?':
        out += '.';
        break;
      case '[': {
        const end = pattern.indexOf(']', i + 2);
        if (end < 0) {
          out += '\\[';
          break;
        }
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (c) => `\\${c}`)}]`;
        i = end;
        break;
      }
      case '{':
        depth++;
        out += '(?:';
        break;
      case '}':
        if (depth > 0) {
          depth--;
          out += ')';
        } else {
          out += '\\}';
        }
        break;
      case ',':
        out += depth > 0 ? '|' : ',';
        break;
      default:
        out += escapeRegExp(ch);
    }
  }
  // An unclosed `{` matches literally rather than failing the whole setting.
  return depth > 0 ? `(?:${pattern.split('').map(escapeRegExp).join('')})` : out;
}

/** Whether `value` matches the glob `pattern` as a whole. Case-sensitive, like Argo CD. */
export function globMatch(pattern: string, value: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${compile(pattern)})$`, 's');
    } catch {
      // A pattern that does not compile (e.g. `[z-a]`) only matches itself.
      re = new RegExp(`^${pattern.split('').map(escapeRegExp).join('')}$`, 's');
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
}
