// The roles' side of src/util/shutdown.ts: the `--shutdown-timeout` flag every long-running role takes, and
// the parts the roles stop (an HTTP server, whose close() waits for every open connection).
import type { Server } from 'node:http';
import { errorCodes, UserError } from '../errors.js';
import { parseDuration } from '../model/duration.js';
import { killRunningChildren } from '../util/exec.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, Shutdown, type ShutdownPart } from '../util/shutdown.js';

/** `--shutdown-timeout` (default 10s), for every long-running role: `.option(...shutdownTimeoutOption)`. */
export const shutdownTimeoutOption = [
  '--shutdown-timeout <duration>',
  'on SIGTERM/SIGINT, how long running work gets to reach a safe point before kawa exits anyway (Go duration: 10s, 1m; a bare number is seconds); a second signal exits at once',
  `${DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000}s`,
] as const;

export function parseShutdownTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const ms = parseDuration(text, { bareIntegerAsSeconds: true });
  if (ms === undefined || ms < 0) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `--shutdown-timeout must be a duration like 10s or 1m, got "${text}"`);
  return ms;
}

/**
 * A shutdown listening for SIGINT/SIGTERM from now on (so a signal during start-up stops what already
 * started), logging through `log`.
 */
export function roleShutdown(
  timeoutText: string | undefined,
  log: (line: string) => void,
  /** Instead of process.exit (a role run inside another program: tests). */
  exit?: (code: number) => void,
): { shutdown: Shutdown; timeoutMs: number } {
  const timeoutMs = parseShutdownTimeout(timeoutText);
  const beforeExit = (): string | undefined => {
    // A render or git fetch cut short by the deadline: its process group must not run on without us.
    const killed = killRunningChildren();
    return killed === 0 ? undefined : `killed ${killed} child process${killed === 1 ? '' : 'es'} (git, helm, …) still running`;
  };
  return { shutdown: new Shutdown({ timeoutMs, log, ...(exit === undefined ? { beforeExit } : { exit }) }).listen(), timeoutMs };
}

/**
 * An HTTP server as a shutdown part. close() stops accepting connections and waits for the open ones; a
 * stream (SSE, logs follow) or a slow request would make it wait for ever, so after `forceAfterMs` the
 * connections still open are cut.
 */
export function httpServerPart(
  name: string,
  server: Server,
  close: () => Promise<void>,
  forceAfterMs: number,
  extraPending: () => readonly string[] = () => [],
  log: (line: string) => void = () => undefined,
): ShutdownPart {
  const open = new Set<unknown>();
  server.on('connection', (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    name,
    pending: () => [...(open.size === 0 ? [] : [`${open.size} open connection${open.size === 1 ? '' : 's'}`]), ...extraPending()],
    stop: async () => {
      const timer = setTimeout(() => {
        if (open.size > 0) log(`${name}: closing ${open.size} connection${open.size === 1 ? '' : 's'} still open (streams or slow requests)`);
        server.closeAllConnections();
      }, forceAfterMs);
      try {
        await close();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
