// Argo CD's util/glob (gobwas/glob) semantics, the dialect Argo CD uses for AppProject fields
// (sourceRepos, destinations, resource white/blacklists, sourceNamespaces) and for argocd-cm's
// `resource.exclusions`/`resource.inclusions` (kube/resource-filter.ts uses this matcher):
// `*`, `?`, `[a-z]`, `[!a]`, `{a,b}` and `\` escapes. With a separator (repository URLs use `/`),
// `*` and `?` stay within one segment and `**` crosses segments; without one, `*` matches anything.
//
// Separate from src/render/glob.ts on purpose: that one implements the dialects of repository paths
// (directory include/exclude, where a bad pattern is an error shown to the user, and Helm valueFiles,
// which follow doublestar: `**` only as a whole segment). Merging would change which paths match.

/** How a malformed pattern (unclosed `[` or `{`, trailing `\`, an invalid range) is treated. */
export type MalformedGlob =
  /** It matches nothing, as in Argo CD (which logs and returns false). */
  | 'no-match'
  /**
   * The broken part is taken literally, so a bad entry only matches itself instead of disabling its
   * rule: an unclosed `[` and a trailing `\` stand for themselves, and an unclosed `{` or a pattern the
   * RegExp engine refuses makes the whole pattern literal.
   */
  | 'literal';

export interface GlobOptions {
  /** `*` and `?` do not cross this character; `**` does. */
  separator?: string;
  /** Default `no-match`. */
  malformed?: MalformedGlob;
}

const cache = new Map<string, RegExp | null>();

/** Whether `value` matches `pattern` in full. An invalid pattern matches nothing. */
export function globMatch(pattern: string, value: string, separator?: string): boolean {
  if (pattern === '*') return true;
  return cachedGlob(pattern, separator === undefined ? {} : { separator })?.test(value) ?? false;
}

/** globMatch without a separator where a malformed pattern matches literally (see {@link MalformedGlob}). */
export function globMatchLiteralFallback(pattern: string, value: string): boolean {
  return cachedGlob(pattern, { malformed: 'literal' })?.test(value) ?? false;
}

function cachedGlob(pattern: string, options: GlobOptions): RegExp | null {
  const key = `${options.malformed ?? 'no-match'}\u0000${options.separator ?? ''}\u0000${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    re = compileGlob(pattern, options);
    if (cache.size > 1_000) cache.clear(); // patterns come from a handful of projects and settings; bound it anyway
    cache.set(key, re);
  }
  return re;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function literal(pattern: string): RegExp {
  return new RegExp(`^${escapeRegExp(pattern)}$`, 'u');
}

/** The RegExp for a glob, or null when the pattern is malformed and `malformed` is `no-match`. */
export function compileGlob(pattern: string, options: GlobOptions = {}): RegExp | null {
  const { separator } = options;
  const lenient = options.malformed === 'literal';
  const notSep = separator === undefined ? '[^]' : `[^${separator.replace(/[\\\]^-]/g, '\\$&')}]`;
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    switch (c) {
      case '\\': {
        i++;
        if (i < pattern.length) out += escapeRegExp(pattern.charAt(i));
        else if (lenient) out += '\\\\';
        else return null;
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
        if (end < 0) {
          if (!lenient) return null;
          out += '\\[';
          break;
        }
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
  if (braceDepth !== 0) return lenient ? literal(pattern) : null;
  try {
    return new RegExp(`^${out}$`, 'u');
  } catch {
    return lenient ? literal(pattern) : null;
  }
}
