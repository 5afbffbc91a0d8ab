// Argo CD's "build environment": `$ARGOCD_APP_NAME` and friends substituted into some source options
// (Helm parameters and value-file paths, Jsonnet TLAs and external variables, Kustomize images and
// labels). The substitution follows Go's os.Expand, as Argo CD does: `$NAME` and `${NAME}`, unknown
// names become empty, `$$` is a literal `$`, and a `$` before anything else is left alone.

/** The variables Argo CD defines for a render. */
export interface BuildEnvironmentInput {
  appName?: string;
  /** The destination namespace. */
  namespace?: string;
  /** The resolved commit. */
  revision?: string;
  repoURL?: string;
  path?: string;
  targetRevision?: string;
}

export function buildEnvironment(input: BuildEnvironmentInput): Record<string, string> {
  const revision = input.revision ?? '';
  return {
    ARGOCD_APP_NAME: input.appName ?? '',
    ARGOCD_APP_NAMESPACE: input.namespace ?? '',
    ARGOCD_APP_REVISION: revision,
    ARGOCD_APP_REVISION_SHORT: revision.slice(0, 7),
    ARGOCD_APP_SOURCE_REPO_URL: input.repoURL ?? '',
    ARGOCD_APP_SOURCE_PATH: input.path ?? '',
    ARGOCD_APP_SOURCE_TARGET_REVISION: input.targetRevision ?? '',
  };
}

const isShellSpecial = (c: string): boolean => c !== '' && '*#$@!?-0123456789'.includes(c);
const isNameChar = (c: string): boolean => /^[A-Za-z0-9_]$/.test(c);

/** Reads the variable name after a `$`: the name ('' when there is none) and how many characters it used. */
function shellName(s: string): [string, number] {
  const first = s.charAt(0);
  if (first === '{') {
    if (s.length > 2 && isShellSpecial(s.charAt(1)) && s.charAt(2) === '}') return [s.charAt(1), 3];
    const close = s.indexOf('}', 1);
    if (close === 1) return ['', 2]; // `${}` is bad syntax: both characters are dropped
    if (close === -1) return ['', 1]; // `${` without a close: the brace is dropped
    return [s.slice(1, close), close + 1];
  }
  if (isShellSpecial(first)) return [first, 1];
  let n = 0;
  while (n < s.length && isNameChar(s.charAt(n))) n++;
  return [s.slice(0, n), n];
}

export function envsubst(text: string, env: Readonly<Record<string, string>>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c !== '$' || i + 1 >= text.length) {
      out += c;
      i++;
      continue;
    }
    const [name, used] = shellName(text.slice(i + 1));
    if (name === '' && used === 0) {
      out += '$'; // `$` followed by no name stays
    } else if (name === '$') {
      out += '$';
    } else if (name !== '') {
      out += Object.hasOwn(env, name) ? (env[name] ?? '') : '';
    }
    i += 1 + used;
  }
  return out;
}
