// Glob patterns as Argo CD users write them in AppProjects and argocd-cm: `*`, `?`, `[a-z]`, `[!a]`,
// `{a,b}` and `\` escapes. With a separator (repository URLs use `/`), `*` and `?` stay within one
// segment and `**` crosses segments; without one, `*` matches anything.

const cache = new Map<string, RegExp | null>();

/** Whether `value` matches `pattern` in full. An invalid pattern matches nothing. */
export function globMatch(pattern: string, value: string, separator?: string): boolean {
  if (pattern === '*') return true;
  const key = `${separator ?? ''}\u0000${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = compileGlob(pattern, separator);
    if (cache.size > 1_000) cache.clear(); // patterns come from a handful of projects; bound it anyway
    cache.set(key, re);
  }
  return re !== null && re.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The RegExp for a glob, or null when the pattern is malformed (unclosed `[` or `{`). */
export function compileGlob(pattern: string, separator?: string): RegExp | null {
  const notSep = separator === undefined ? '[^]' : `[^${separator.replace(/[\\\]^-]/g, '\\$&')}]`;
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    switch (c) {
      case '\\': {
        i++;
        if (i >= pattern.length) return null;
        out += escapeRegExp(pattern.charAt(i));
        break;
      }
      case '*': {
        if (pattern.charAt(i + 1) === '*') {
          while (pattern.charAt(i + 1) === '*') i++;
          out += '[^]*';
        } else {
          out += `${notSep}*`;
        }
        break;
      }
      case '?':
        out += notSep;
        break;
      case '[': {
        const end = pattern.indexOf(']', i + 2);
        if (end < 0) return null;
        let body = pattern.slice(i + 1, end);
        const negated = body.startsWith('!') || body.startsWith('^');
        if (negated) body = body.slice(1);
        const escaped = body.replace(/[\\\]^]/g, '\\$&');
        out += negated ? `[^${escaped}]` : `[${escaped}]`;
        i = end;
        break;
      }
      case '{':
        braceDepth++;
        out += '(?:';
        break;
      case '}':
        if (braceDepth === 0) {
          out += '\\}';
        } else {
          braceDepth--;
          out += ')';
        }
        break;
      case ',':
        out += braceDepth > 0 ? '|' : ',';
        break;
      default:
        out += escapeRegExp(c);
    }
  }
  if (braceDepth !== 0) return null;
  try {
    return new RegExp(`^${out}$`, 'u');
  } catch {
    return null;
  }
}
