// Reading `argocd-rbac-cm` exactly as Argo CD lays it out:
//   policy.csv            the main policy
//   policy.<name>.csv     overlays, appended after policy.csv in key order (policy.A.csv before policy.B.csv)
//   policy.default        role every authenticated user gets (e.g. role:readonly); empty = none
//   scopes                which token claims name groups, a YAML list or a single string; default [groups]
//   policy.matchMode      glob (default) | regex
//
// Lines are `p, <subject>, <resource>, <action>, <object>[, allow|deny]` and `g, <user|group>, <role>`.
// Blank lines and lines starting with `#` are ignored; fields are trimmed; a field may be double-quoted
// to hold a comma (a regex `{1,3}` or a glob `{a,b}`).
//
// A malformed line rejects the WHOLE configuration (Argo CD does the same and keeps the previous
// policy): silently skipping a bad `deny` line would grant what the operator meant to forbid.
import { parse as parseYaml } from 'yaml';
import { UserError, errorCodes } from '../../errors.js';
import { compilePattern, type MatchMode } from './match.js';

export type Effect = 'allow' | 'deny';

export interface PolicyRule {
  readonly kind: 'p';
  readonly subject: string;
  readonly resource: string;
  readonly action: string;
  readonly object: string;
  readonly effect: Effect;
}

export interface GroupingRule {
  readonly kind: 'g';
  /** A user or group… */
  readonly member: string;
  /** …that gets this role's permissions. */
  readonly role: string;
}

export type Rule = PolicyRule | GroupingRule;

/** Where a rule came from, for error messages: `policy.csv line 3`, `AppProject team-a role ci policy 2`. */
export interface RuleSource {
  readonly where: string;
  readonly rule: Rule;
}

export interface RbacConfig {
  readonly rules: readonly RuleSource[];
  /** `policy.default`, trimmed; undefined when absent or empty. */
  readonly defaultRole: string | undefined;
  readonly scopes: readonly string[];
  readonly matchMode: MatchMode;
}

export const DEFAULT_SCOPES: readonly string[] = ['groups'];

const POLICY_LINE_HELP = 'expected "p, <subject>, <resource>, <action>, <object>[, allow|deny]" or "g, <user|group>, <role>"';

/** Split one CSV line into trimmed fields; `"…"` quotes a field, `""` inside quotes is a literal quote. */
export function splitPolicyLine(line: string): string[] {
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
    let field = '';
    if (line[pos] === '"') {
      pos++;
      for (;;) {
        if (pos >= line.length) throw new Error('a quoted field is not closed');
        const ch = line[pos] ?? '';
        if (ch === '"') {
          if (line[pos + 1] === '"') {
            field += '"';
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        field += ch;
        pos++;
      }
      while (line[pos] === ' ' || line[pos] === '\t') pos++;
      if (pos < line.length && line[pos] !== ',') throw new Error('text follows a closing quote');
    } else {
      const comma = line.indexOf(',', pos);
      const end = comma === -1 ? line.length : comma;
      field = line.slice(pos, end).trim();
      pos = end;
    }
    fields.push(field);
    if (pos >= line.length) return fields;
    pos++; // the comma
  }
}

/**
 * Parse one non-comment policy line. Patterns in resource/action/object are compiled in `mode` so a
 * bad glob or regex is reported here, with its line, rather than silently never matching.
 */
export function parsePolicyLine(line: string, mode: MatchMode): Rule {
  const fields = splitPolicyLine(line);
  const [kind, ...rest] = fields;
  if (rest.some((f) => f === '')) throw new Error(`a field is empty; ${POLICY_LINE_HELP}`);
  if (kind === 'p') {
    if (rest.length !== 4 && rest.length !== 5) throw new Error(`a "p" line has ${rest.length} fields after "p"; ${POLICY_LINE_HELP}`);
    const [subject = '', resource = '', action = '', object = '', effect = 'allow'] = rest;
    if (effect !== 'allow' && effect !== 'deny') throw new Error(`the effect is ${JSON.stringify(effect)}; it must be "allow" or "deny"`);
    for (const [name, pattern] of [['resource', resource], ['action', action], ['object', object]] as const) {
      try {
        compilePattern(pattern, mode);
      } catch (err) {
        throw new Error(`the ${name} is not a valid ${mode} pattern: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { kind: 'p', subject, resource, action, object, effect };
  }
  if (kind === 'g') {
    if (rest.length !== 2) throw new Error(`a "g" line has ${rest.length} fields after "g"; ${POLICY_LINE_HELP}`);
    const [member = '', role = ''] = rest;
    return { kind: 'g', member, role };
  }
  throw new Error(`unknown line type ${JSON.stringify(kind ?? '')}; ${POLICY_LINE_HELP}`);
}

/** Parse a policy text; `label` names it in errors (`policy.csv`). Returns rules and per-line problems. */
export function parsePolicyText(text: string, label: string, mode: MatchMode): { rules: RuleSource[]; problems: string[] } {
  const rules: RuleSource[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${label} line ${index + 1}`;
    try {
      rules.push({ where, rule: parsePolicyLine(line, mode) });
    } catch (err) {
      problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}: ${JSON.stringify(line)}`);
    }
  });
  return { rules, problems };
}

/** The keys holding policy text, in the order Argo CD concatenates them. */
export function policyKeys(data: Readonly<Record<string, string>>): string[] {
  const overlays = Object.keys(data)
    .filter((key) => key !== 'policy.csv' && /^policy\..+\.csv$/.test(key))
    .sort();
  return [...('policy.csv' in data ? ['policy.csv'] : []), ...overlays];
}

/** `scopes` is YAML: `[groups, email]` or `groups`. */
export function parseScopes(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_SCOPES];
  let parsed: unknown;
  try {
    parsed = parseYaml(raw);
  } catch (err) {
    throw new Error(`scopes is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed === 'string') return [parsed];
  if (Array.isArray(parsed) && parsed.every((s): s is string => typeof s === 'string' && s !== '')) return parsed;
  throw new Error(`scopes must be a list of claim names such as "[groups, email]", got ${JSON.stringify(raw)}`);
}

export function parseMatchMode(raw: string | undefined): MatchMode {
  const mode = (raw ?? '').trim();
  if (mode === '' || mode === 'glob') return 'glob';
  if (mode === 'regex') return 'regex';
  throw new Error(`policy.matchMode is ${JSON.stringify(raw)}; it must be "glob" or "regex"`);
}

/**
 * Parse the data of `argocd-rbac-cm`. Throws UserError RBAC_POLICY_INVALID listing every problem with
 * its key and line number; nothing partial is returned.
 */
export function parseRbacConfigMap(data: Readonly<Record<string, string>> | undefined): RbacConfig {
  const cm = data ?? {};
  const problems: string[] = [];
  let matchMode: MatchMode = 'glob';
  let scopes: string[] = [...DEFAULT_SCOPES];
  try {
    matchMode = parseMatchMode(cm['policy.matchMode']);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  try {
    scopes = parseScopes(cm.scopes);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  const rules: RuleSource[] = [];
  for (const key of policyKeys(cm)) {
    const parsed = parsePolicyText(cm[key] ?? '', key, matchMode);
    rules.push(...parsed.rules);
    problems.push(...parsed.problems);
  }
  if (problems.length > 0) {
    throw new UserError(
      errorCodes.RBAC_POLICY_INVALID,
      `argocd-rbac-cm is invalid, so it was not loaded:\n  ${problems.join('\n  ')}`,
    );
  }
  const defaultRole = (cm['policy.default'] ?? '').trim();
  return { rules, defaultRole: defaultRole === '' ? undefined : defaultRole, scopes, matchMode };
}
