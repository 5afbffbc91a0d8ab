// Helm charts in OCI registries, through the real `helm` binary. Every call gets private Helm homes and
// a private registry config; credentials are written into that config file (Docker's `auths` format,
// mode 0600 in a 0700 directory) instead of going through `helm registry login -u`, so neither the user
// name nor the password is ever in a process's arguments, and no login round trip is paid per call.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { UserError, errorCodes } from '../../errors.js';
import { scrubSecrets, type GitCredentials } from '../../git/credentials.js';
import { exec } from '../../util/exec.js';
import { isRecord } from '../manifests.js';
import { toolBinary, toolEnv, type ToolPaths } from '../tools.js';

/** Whether a chart source's repoURL is an OCI registry: `oci://…`, or a scheme-less `host/path` (Argo CD's `enableOCI` form). */
export function isOciRepo(repoURL: string): boolean {
  return /^oci:\/\//i.test(repoURL) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(repoURL);
}

/** `oci://host[:port]/path/chart`, refusing what could be read as a flag or leave the registry path. */
export function ociReference(repoURL: string, chart: string): { ref: string; host: string } {
  const base = repoURL.replace(/^oci:\/\//i, '').replace(/\/+$/, '');
  const host = base.split('/')[0] ?? '';
  if (host === '' || base.startsWith('-') || /[\s\\?#@]/.test(base) || base.split('/').some((p) => p === '..' || p === '.')) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `repoURL "${repoURL}" is not an OCI registry reference`);
  }
  if (!/^[a-z0-9][a-z0-9._/-]*$/i.test(chart) || chart.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new UserError(errorCodes.RENDER_INVALID_SOURCE, `chart "${chart}" is not a valid chart name`);
  }
  return { ref: `oci://${base}/${chart}`, host };
}

export interface OciCall {
  /** Registries and their credentials, by `host[:port]`. */
  registries: ReadonlyMap<string, GitCredentials | undefined>;
  tools?: ToolPaths;
  timeoutMs: number;
  tempRoot?: string;
}

/** A private Helm environment with the registries' credentials; `dir` must be removed by the caller. */
export async function ociEnvironment(call: Pick<OciCall, 'registries' | 'tempRoot'>): Promise<{ dir: string; env: Record<string, string>; tlsArgs: string[]; secrets: string[] }> {
  // mkdtemp makes the directory 0700: only this user can read the credentials in it.
  const dir = await mkdtemp(path.join(call.tempRoot ?? tmpdir(), 'kawa-helm-oci-'));
  const auths: Record<string, { auth: string }> = {};
  const secrets: string[] = [];
  const tlsArgs: string[] = [];
  for (const [host, creds] of call.registries) {
    if (creds?.username) {
      auths[host] = { auth: Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64') };
      if (creds.password) secrets.push(creds.password);
    }
    // helm takes one CA / client certificate per call: those of the (first) registry that has them.
    if (creds?.caData && !tlsArgs.includes('--ca-file')) {
      const file = path.join(dir, 'ca.pem');
      await writeFile(file, creds.caData, { mode: 0o600 });
      tlsArgs.push('--ca-file', file);
    }
    if (creds?.tlsClientCertData && creds.tlsClientCertKey && !tlsArgs.includes('--cert-file')) {
      await writeFile(path.join(dir, 'client.crt'), creds.tlsClientCertData, { mode: 0o600 });
      await writeFile(path.join(dir, 'client.key'), creds.tlsClientCertKey, { mode: 0o600 });
      tlsArgs.push('--cert-file', path.join(dir, 'client.crt'), '--key-file', path.join(dir, 'client.key'));
      secrets.push(creds.tlsClientCertKey);
    }
    if (creds?.insecure === true && !tlsArgs.includes('--insecure-skip-tls-verify')) tlsArgs.push('--insecure-skip-tls-verify');
  }
  const registryConfig = path.join(dir, 'registry.json');
  await writeFile(registryConfig, JSON.stringify({ auths }), { mode: 0o600 });
  await mkdir(path.join(dir, 'home'), { mode: 0o700 });
  const env = toolEnv(path.join(dir, 'home'), {
    HELM_CACHE_HOME: path.join(dir, 'cache'),
    HELM_CONFIG_HOME: path.join(dir, 'config'),
    HELM_DATA_HOME: path.join(dir, 'data'),
    HELM_REGISTRY_CONFIG: registryConfig,
    HELM_REPOSITORY_CONFIG: path.join(dir, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(dir, 'repository-cache'),
  });
  return { dir, env, tlsArgs, secrets };
}

async function runHelm(call: OciCall, args: readonly string[], shown: string, cwd: string, env: Record<string, string>, secrets: readonly string[]): Promise<string> {
  const helm = await toolBinary('helm', call.tools);
  try {
    const { stdout } = await exec(helm, args, { cwd, env, timeoutMs: call.timeoutMs, errorCode: errorCodes.HELM_REPO_FAILED, displayName: shown });
    return stdout;
  } catch (err) {
    if (err instanceof UserError) {
      const message = scrubSecrets(err.message, secrets);
      const notFound = /not found|manifest unknown|name unknown|could not locate|no such|invalid_reference/i.test(message);
      throw new UserError(notFound ? errorCodes.HELM_CHART_NOT_FOUND : errorCodes.HELM_REPO_FAILED, message);
    }
    throw err;
  }
}

/** The exact version `version` (a version, a constraint, or '' for the latest) names in the registry. */
export async function resolveOciVersion(call: OciCall, repoURL: string, chart: string, version: string): Promise<string> {
  const { ref, host } = ociReference(repoURL, chart);
  const { dir, env, tlsArgs, secrets } = await ociEnvironment({ registries: new Map([[host, call.registries.get(host)]]), ...(call.tempRoot ? { tempRoot: call.tempRoot } : {}) });
  try {
    const args = ['show', 'chart', ...tlsArgs, ...(version === '' ? [] : [`--version=${version}`]), '--', ref];
    const out = await runHelm(call, args, `helm show chart ${ref}${version === '' ? '' : ` --version ${version}`}`, dir, env, secrets);
    const doc: unknown = parse(out);
    const resolved = isRecord(doc) ? doc['version'] : undefined;
    if (typeof resolved !== 'string' || resolved === '') throw new UserError(errorCodes.HELM_REPO_FAILED, `helm show chart ${ref}: the chart has no version`);
    return resolved;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Pulls `ref` at exactly `version`; returns the archive's bytes. */
export async function pullOciChart(call: OciCall, repoURL: string, chart: string, version: string): Promise<Buffer> {
  const { ref, host } = ociReference(repoURL, chart);
  const { dir, env, tlsArgs, secrets } = await ociEnvironment({ registries: new Map([[host, call.registries.get(host)]]), ...(call.tempRoot ? { tempRoot: call.tempRoot } : {}) });
  try {
    const dest = path.join(dir, 'pulled');
    await mkdir(dest);
    await runHelm(call, ['pull', ...tlsArgs, `--version=${version}`, `--destination=${dest}`, '--', ref], `helm pull ${ref} --version ${version}`, dir, env, secrets);
    const archives = (await readdir(dest)).filter((f) => f.endsWith('.tgz'));
    const archive = archives[0];
    if (archive === undefined || archives.length !== 1) throw new UserError(errorCodes.HELM_REPO_FAILED, `helm pull ${ref} --version ${version}: expected one chart archive, got ${archives.length}`);
    return await readFile(path.join(dest, archive));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
