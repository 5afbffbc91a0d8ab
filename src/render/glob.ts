// Glob patterns, in the two dialects Argo CD uses for paths in a source:
//  - `directory.include`/`exclude` (gobwas/glob without separators): `*`, `**` and `?` match any
//    characters, `/` included, so `*.yaml` also matches `sub/x.yaml`;
//  - Helm `valueFiles` (doublestar): `*` and `?` stay within one path segment, `**` as a whole segment
//    matches any number of directories.
// Both support `[abc]`, `[!abc]`, `[a-z]`, `{a,b}` (nestable) and `\` escapes, also inside `[…]`.
//
// Separate from src/util/glob.ts (AppProject and resource-filter patterns) on purpose: doublestar's
// `**` differs from a separator glob's (`a**.yaml` stays in one segment here), a bad pattern here is
// an error the user sees (GlobSyntaxError) rather than a pattern that matches nothing, and `[…]` reads
// differently (`\` escapes inside it; a `]` right after `[` or `[!` is a member). Sharing model's
// compiler would change which files a source picks up.
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export interface GlobOptions {
  /** `*` and `?` stop at `/`; `**` crosses directories. */
  segments: boolean;
}

export class GlobSyntaxError extends Error {}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Whether a string has glob syntax (and so is a pattern rather than a plain path). */
export function hasGlobSyntax(text: string): boolean {
  return /[*?[{]/.test(text);
}

/** The anchored RegExp for a glob. Throws GlobSyntaxError on an unclosed `[` or `{`. */
export function globToRegExp(pattern: string, options: GlobOptions): RegExp {
  const any = options.segments ? '[^/]' : '.';
  let out = '';
  let braces = 0;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      // A trailing backslash stands for itself.
      out += escapeRegExp(i + 1 < pattern.length ? pattern.charAt(i + 1) : '\\');
      i += 2;
    } else if (c === '*') {
      let stars = 1;
      while (pattern.charAt(i + stars) === '*') stars++;
      const segmentStart = i === 0 || pattern.charAt(i - 1) === '/';
      const after = pattern.charAt(i + stars);
      if (!options.segments) {
        out += '.*';
      } else if (stars >= 2 && segmentStart && after === '/') {
        // `**/` is zero or more whole directories.
        out += '(?:.*/)?';
        i += 1;
      } else if (stars >= 2 && segmentStart && after === '') {
        out += '.*';
      } else {
        out += '[^/]*';
      }
      i += stars;
    } else if (c === '?') {
      out += any;
      i++;
    } else if (c === '[') {
      let j = i + 1;
      const negated = pattern.charAt(j) === '!' || pattern.charAt(j) === '^';
      if (negated) j++;
      let body = '';
      // A `]` right after the opening bracket is a member, not the end.
      if (pattern.charAt(j) === ']') {
        body += '\\]';
        j++;
      }
      while (j < pattern.length && pattern.charAt(j) !== ']') {
        const ch = pattern.charAt(j);
        if (ch === '\\' && j + 1 < pattern.length) {
          body += escapeRegExp(pattern.charAt(j + 1));
          j += 2;
        } else {
          body += ch === '-' ? '-' : escapeRegExp(ch);
          j++;
        }
      }
      if (j >= pattern.length) throw new GlobSyntaxError(`unclosed "[" in glob "${pattern}"`);
      out += negated ? `[^${body}${options.segments ? '/' : ''}]` : `[${body}]`;
      i = j + 1;
    } else if (c === '{') {
      braces++;
      out += '(?:';
      i++;
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
      i++;
    } else if (c === ',' && braces > 0) {
      out += '|';
      i++;
    } else {
      out += escapeRegExp(c);
      i++;
    }
  }
  if (braces > 0) throw new GlobSyntaxError(`unclosed "{" in glob "${pattern}"`);
  try {
    return new RegExp(`^${out}$`, 's');
  } catch (err) {
    throw new GlobSyntaxError(`invalid glob "${pattern}": ${(err as Error).message}`);
  }
}

/** Byte-wise comparison of names, the order Go's directory walks use. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Files under `base` whose `/`-separated path relative to `base` matches a segment-mode pattern, in
 * doublestar's order: each directory's files (sorted) before its subdirectories (sorted). Symlinks are
 * returned as they are (not followed); the caller checks where they lead.
 */
export async function expandGlob(base: string, pattern: string): Promise<string[]> {
  const re = globToRegExp(pattern, { segments: true });
  const matches: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(base, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    const dirs: string[] = [];
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== '.git') dirs.push(child);
      } else if (re.test(child)) {
        matches.push(child);
      }
    }
    for (const dir of dirs) await visit(dir);
  };
  await visit(globBase(pattern));
  return matches;
}

/**
 * The longest leading directory of a segment-mode pattern without glob syntax (`envs/prod` for
 * `envs/prod/*.yaml`): nothing outside it can match, so a walk starts there and a caller can check
 * that it stays inside the repository before anything is listed.
 */
export function globBase(pattern: string): string {
  const literal: string[] = [];
  for (const segment of pattern.split('/').slice(0, -1)) {
    if (hasGlobSyntax(segment) || segment.includes('\\')) break;
    literal.push(segment);
  }
  return literal.join('/');
}
