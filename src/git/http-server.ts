// A small smart-HTTP git server: Node's `http` in front of git's own CGI, `git http-backend`.
// It serves a directory of bare repositories (`<root>/<name>.git`) so tests can clone, fetch and
// push over real HTTP, with optional Basic auth. Each request runs one CGI child; the request body
// streams into its stdin and its stdout (CGI headers, then the pack data) streams back.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import { devNull } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { UserError, errorCodes, messageOf } from '../errors.js';
import { exec } from '../util/exec.js';

export interface GitHttpAuth {
  username: string;
  password: string;
}

export interface GitHttpServerOptions {
  /** Directory holding the bare repositories to serve (`<root>/<name>.git`). */
  root: string;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on (default 0: a free port). */
  port?: number;
  /** When set, every request needs these Basic credentials. */
  auth?: GitHttpAuth;
  /** Accept pushes (git-receive-pack). Off by default, even for authenticated users. */
  allowPush?: boolean;
  /** Extra git config for the served repositories, e.g. `{ 'uploadpack.allowAnySHA1InWant': 'true' }`. */
  config?: Readonly<Record<string, string>>;
  /** The git binary (default `git` from PATH). */
  git?: string;
}

export interface GitHttpServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Clone URL of `<root>/<name>.git` (`.git` is added unless `name` ends with it). */
  urlFor(name: string): string;
  /** Stop listening, drop open connections and kill in-flight CGI children. */
  close(): Promise<void>;
}

const realm = 'kawa-test';
/** CGI headers larger than this mean the child is not speaking CGI. */
const maxHeaderBytes = 64 * 1024;
/** How much of the child's stderr to keep for error responses. */
const maxStderrBytes = 4 * 1024;

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const root = path.resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  const git = options.git ?? 'git';
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new UserError(errorCodes.GIT_FAILED, `git http server: root ${root} is not a directory`);
  }
  // Fail fast (TOOL_MISSING) rather than answering every request with 500.
  await exec(git, ['--version'], { timeoutMs: 10_000, errorCode: errorCodes.GIT_FAILED });

  const baseEnv = cgiBaseEnv(root, options);
  const children = new Set<ChildProcess>();
  const server = http.createServer((req, res) => {
    handle(req, res, { git, baseEnv, auth: options.auth, children });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new UserError(errorCodes.GIT_FAILED, `git http server: cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    urlFor(name: string): string {
      const repo = name.endsWith('.git') ? name : `${name}.git`;
      return `${url}/${repo.split('/').map(encodeURIComponent).join('/')}`;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        for (const child of children) child.kill('SIGKILL');
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The environment every CGI child shares: no system/global git config, only ours. */
function cgiBaseEnv(root: string, options: GitHttpServerOptions): NodeJS.ProcessEnv {
  const config: [string, string][] = [
    ['http.receivepack', options.allowPush ? 'true' : 'false'],
    ...Object.entries(options.config ?? {}),
  ];
  const env: NodeJS.ProcessEnv = {
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: devNull,
    GIT_CONFIG_COUNT: String(config.length),
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  if (process.env.PATH !== undefined) env.PATH = process.env.PATH;
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

interface HandlerContext {
  git: string;
  baseEnv: NodeJS.ProcessEnv;
  auth: GitHttpAuth | undefined;
  children: Set<ChildProcess>;
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, ctx: HandlerContext): void {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);

  const pathInfo = safePathInfo(rawPath);
  if (pathInfo === undefined) {
    sendText(res, 400, 'bad repository path\n');
    return;
  }

  let user: string | undefined;
  if (ctx.auth) {
    user = checkBasicAuth(req.headers.authorization, ctx.auth);
    if (user === undefined) {
      req.resume();
      sendText(res, 401, 'authentication required\n', { 'WWW-Authenticate': `Basic realm="${realm}"` });
      return;
    }
  }

  const env: NodeJS.ProcessEnv = {
    ...ctx.baseEnv,
    PATH_INFO: pathInfo,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: query,
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
  };
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) env.CONTENT_TYPE = contentType;
  const contentLength = req.headers['content-length'];
  if (contentLength !== undefined) env.CONTENT_LENGTH = contentLength;
  const contentEncoding = req.headers['content-encoding'];
  if (contentEncoding !== undefined) env.HTTP_CONTENT_ENCODING = contentEncoding;
  const gitProtocol = headerValue(req.headers['git-protocol']);
  if (gitProtocol !== undefined) env.GIT_PROTOCOL = gitProtocol;
  if (user !== undefined) env.REMOTE_USER = user;

  const child = spawn(ctx.git, ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  ctx.children.add(child);

  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-maxStderrBytes);
  });

  let failed = false;
  const fail = (status: number, why: string): void => {
    if (failed) return;
    failed = true;
    child.stdout.off('data', onData);
    child.stdout.off('end', onEndBeforeHeaders);
    child.kill('SIGKILL');
    if (res.headersSent) {
      res.destroy();
    } else {
      const detail = stderr.trim();
      sendText(res, status, `git http-backend: ${why}${detail ? `\n${detail}` : ''}\n`);
    }
  };

  child.on('error', (err) => {
    fail(500, messageOf(err));
  });
  child.on('close', () => {
    ctx.children.delete(child);
  });

  // Request body → CGI stdin. The child may exit before reading it all; its output says why.
  child.stdin.on('error', () => undefined);
  req.on('error', () => {
    child.kill('SIGKILL');
  });
  req.pipe(child.stdin);

  // Client went away before we finished: stop the child.
  res.on('close', () => {
    if (!res.writableFinished) child.kill('SIGKILL');
  });

  // CGI stdout: headers up to the first blank line, then the body.
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const split = headerEnd(head);
    if (split === undefined) {
      if (head.length > maxHeaderBytes) fail(502, 'response headers too large');
      return;
    }
    child.stdout.off('data', onData);
    child.stdout.off('end', onEndBeforeHeaders);
    const parsed = parseCgiHeaders(head.subarray(0, split.start).toString('latin1'));
    if (parsed === undefined) {
      fail(502, 'malformed CGI response headers');
      return;
    }
    for (const [name, values] of parsed.headers) res.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
    res.writeHead(parsed.status);
    const rest = head.subarray(split.end);
    if (rest.length > 0) res.write(rest);
    child.stdout.pipe(res);
  };
  const onEndBeforeHeaders = (): void => {
    fail(500, 'exited without a response');
  };
  child.stdout.on('data', onData);
  child.stdout.on('end', onEndBeforeHeaders);
}

/** The decoded PATH_INFO, or undefined when it could escape the root or is not a plain path. */
function safePathInfo(rawPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0')) return undefined;
  if (decoded.split(/[\\/]/).some((segment) => segment === '..')) return undefined;
  return decoded;
}

/** The user name when the Basic credentials match, compared in constant time. */
function checkBasicAuth(header: string | undefined, expected: GitHttpAuth): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const userOk = sameSecret(username, expected.username);
  const passwordOk = sameSecret(password, expected.password);
  return userOk && passwordOk ? username : undefined;
}

/** Compare digests so the inputs' lengths do not matter and the time does not depend on them. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Where the CGI header block ends: `start` of the blank line, `end` just after it. */
function headerEnd(buf: Buffer): { start: number; end: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return undefined;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { start: crlf, end: crlf + 4 };
  return { start: lf, end: lf + 2 };
}

interface CgiHead {
  status: number;
  headers: Map<string, string[]>;
}

function parseCgiHeaders(text: string): CgiHead | undefined {
  let status = 200;
  const headers = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const code = Number.parseInt(value, 10);
      if (!Number.isInteger(code) || code < 100 || code > 599) return undefined;
      status = code;
      continue;
    }
    const values = headers.get(name);
    if (values) values.push(value);
    else headers.set(name, [value]);
  }
  return { status, headers };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(':') : value;
}

function sendText(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
