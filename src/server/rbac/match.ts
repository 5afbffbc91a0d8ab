// Pattern matching for policy tokens (resource, action, object), in Argo CD's two `policy.matchMode`s.
//
// glob (default): gobwas/glob semantics with no separators, so `*` also crosses `/` (`default/*` matches
// `default/ns/app`, `delete/*/Pod/*/*` matches `delete//Pod/ns/web`). Supported: `*`, `?`, `[abc]`, `[a-z]`,
// `[!a-z]`, `{alt1,alt2}` (nestable) and `\` escapes.
//
// regex: the token is a regular expression matched against the WHOLE value. Argo CD matches regexes
// unanchored (`prod` would match `my-prod-app`); kawa anchors them because a policy meant for `prod/.*` must
// not also grant `not-prod/x`. Policies written with explicit `^…$` mean the same either way.
//
// In both modes a bare `*` matches everything (it is not a valid regex, and the built-in policy relies on it).

export type MatchMode = 'glob' | 'regex';

export type Matcher = (value: string) => boolean;

const matchAll: Matcher = () => true;

/** Compile a policy token; throws Error with a readable reason when the pattern is malformed. */
export function compilePattern(pattern: string, mode: MatchMode): Matcher {
  if (pattern === '*') return matchAll;
  const source = mode === 'glob' ? globToRegexSource(pattern) : regexSource(pattern);
  const re = new RegExp(`^(?:${source})$`);
  return (value) => re.test(value);
}

function regexSource(pattern: string): string {
  try {
    new RegExp(pattern);
  } catch (err) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return pattern;
}

const regexSpecial = /[\\^$.*+?()[\]{}|/]/g;

export function escapeRegex(text: string): string {
  return text.replace(regexSpecial, '\\$&');
}

/** Translate a gobwas-style glob (no separators) into an unanchored JS regex body. */
export function globToRegexSource(pattern: string): string {
  let pos = 0;
  const fail = (reason: string): never => {
    throw new Error(`invalid glob ${JSON.stringify(pattern)}: ${reason}`);
  };

  // `inAlternation` makes `,` and `}` structural, as they are only inside `{…}`.
  const parseSequence = (inAlternation: boolean): string => {
    let out = '';
    while (pos < pattern.length) {
      const ch = pattern[pos] ?? '';
      if (inAlternation && (ch === ',' || ch === '}')) return out;
      pos++;
      switch (ch) {
        case '*':
          out += '[\\s\\S]*';
          break;
        case '?':
          out += '[\\s\\S]';
          break;
        case '\\': {
          if (pos >= pattern.length) fail('it ends with a lone "\\"');
          out += escapeRegex(pattern[pos] ?? '');
          pos++;
          break;
        }
        case '[':
          out += parseClass();
          break;
        case '{':
          out += parseAlternation();
          break;
        default:
          out += escapeRegex(ch);
      }
    }
    if (inAlternation) fail('"{" is not closed');
    return out;
  };

  const parseAlternation = (): string => {
    const alternatives: string[] = [];
    for (;;) {
      alternatives.push(parseSequence(true));
      const ch = pattern[pos];
      pos++;
      if (ch === '}') break;
      // parseSequence(true) only stops at `,` or `}`, or fails at the end.
    }
    return `(?:${alternatives.join('|')})`;
  };

  const parseClass = (): string => {
    let negate = false;
    if (pattern[pos] === '!') {
      negate = true;
      pos++;
    }
    let body = '';
    let empty = true;
    while (pos < pattern.length && pattern[pos] !== ']') {
      let lo = pattern[pos] ?? '';
      pos++;
      if (lo === '\\') {
        if (pos >= pattern.length) break;
        lo = pattern[pos] ?? '';
        pos++;
      }
      if (pattern[pos] === '-' && pos + 1 < pattern.length && pattern[pos + 1] !== ']') {
        const hi = pattern[pos + 1] ?? '';
        pos += 2;
        if (hi < lo) fail(`the range "${lo}-${hi}" is reversed`);
        body += `${escapeClassChar(lo)}-${escapeClassChar(hi)}`;
      } else {
        body += escapeClassChar(lo);
      }
      empty = false;
    }
    if (pos >= pattern.length) fail('"[" is not closed');
    pos++; // the closing `]`
    if (empty) fail('"[]" names no characters');
    return negate ? `[^${body}]` : `[${body}]`;
  };

  return parseSequence(false);
}

function escapeClassChar(ch: string): string {
  return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * Compiled patterns keyed by (mode, pattern). One cache per enforcer: the policy is immutable once built,
 * so the cache never needs invalidating and its size is bounded by the number of distinct tokens.
 */
export class PatternCache {
  private readonly compiled = new Map<string, Matcher>();

  get(pattern: string, mode: MatchMode): Matcher {
    const key = `${mode}\u0000${pattern}`;
    let matcher = this.compiled.get(key);
    if (matcher === undefined) {
      matcher = compilePattern(pattern, mode);
      this.compiled.set(key, matcher);
    }
    return matcher;
  }

  matches(value: string, pattern: string, mode: MatchMode): boolean {
    return this.get(pattern, mode)(value);
  }
}
