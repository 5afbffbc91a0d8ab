// Where the CLI writes: data to stdout, progress and errors to stderr. One swappable object so commands
// run in-process in tests without touching the real streams.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout / stderr are terminals (colors, live progress). */
  readonly stdoutTty: boolean;
  readonly stderrTty: boolean;
  readonly stdinTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  get stdoutTty() {
    return process.stdout.isTTY;
  },
  get stderrTty() {
    return process.stderr.isTTY;
  },
  get stdinTty() {
    return process.stdin.isTTY;
  },
  get env() {
    return process.env;
  },
};

let current: Io = processIo;

export function io(): Io {
  return current;
}

/** Replace the streams (tests); returns a function that restores the previous ones. */
export function setIo(next: Io): () => void {
  const previous = current;
  current = next;
  return () => {
    current = previous;
  };
}

/** Colors only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb. */
export function colorsEnabled(tty: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return tty;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, gray: 90, bold: 1 } as const;
export type Color = keyof typeof CODES;

export type Painter = (color: Color, text: string) => string;

export function painter(enabled: boolean): Painter {
  return (color, text) => (enabled && text !== '' ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text);
}

/** The painter for stdout / stderr of the current Io. */
export const outPaint = (): Painter => painter(colorsEnabled(io().stdoutTty, io().env));
export const errPaint = (): Painter => painter(colorsEnabled(io().stderrTty, io().env));

/** The color of a sync, health or operation status word. */
export function statusColor(status: string): Color | undefined {
  switch (status) {
    case 'Synced':
    case 'Healthy':
    case 'Succeeded':
    case 'Pruned':
      return 'green';
    case 'OutOfSync':
    case 'Progressing':
    case 'Running':
    case 'Suspended':
    case 'PruneSkipped':
    case 'Terminating':
      return 'yellow';
    case 'Degraded':
    case 'Failed':
    case 'Error':
    case 'SyncFailed':
    case 'Missing':
      return 'red';
    default:
      return undefined;
  }
}
