// The pinned versions of the local control plane and the renderers, read from tools/cluster/versions.json.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError, errorCodes } from '../errors.js';

const goPackage = z.string().regex(/^[a-z0-9.\-_~/]+$/i, 'a Go package path');

const groupSchema = z.object({
  module: goPackage,
  version: z.string().regex(/^v\d+\.\d+\.\d+$/, 'a release version like v1.2.3'),
  /** k8s.io/kubernetes names its staging modules at v0.0.0 and `replace`s them with local paths; we replace them with the published v0.X.Y. */
  replaceStagingModules: z.boolean().optional(),
  binaries: z.record(z.string().regex(/^[a-z0-9-]+$/), goPackage),
  /** `-X` linker variables; `{version}` is replaced by the group's version. */
  linkVariables: z.record(z.string(), z.string()).optional(),
});

const pinsSchema = z.object({
  go: z.string(),
  groups: z.record(z.string().regex(/^[a-z0-9-]+$/), groupSchema),
});

export type ToolGroup = z.infer<typeof groupSchema> & { name: string };
export interface Pins {
  go: string;
  groups: ToolGroup[];
}

/** The project root (this file is src/localcluster/pins.ts, or dist/src/tools/pins.js once built). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      readFileSync(path.join(dir, 'tools', 'cluster', 'versions.json'));
      return dir;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new UserError(errorCodes.PINS_INVALID, 'cannot find tools/cluster/versions.json above ' + fileURLToPath(import.meta.url));
}

export function parsePins(text: string, source: string): Pins {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(errorCodes.PINS_INVALID, `${source}: not valid JSON`, { cause: err });
  }
  const parsed = pinsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new UserError(errorCodes.PINS_INVALID, `${source}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    go: parsed.data.go,
    groups: Object.entries(parsed.data.groups).map(([name, group]) => ({ name, ...group })),
  };
}

export function loadPins(root = projectRoot()): Pins {
  const file = path.join(root, 'tools', 'cluster', 'versions.json');
  return parsePins(readFileSync(file, 'utf8'), file);
}

/** ~/.cache/kawa, or $KAWA_CACHE_DIR. */
export function cacheDir(): string {
  return process.env['KAWA_CACHE_DIR'] ?? path.join(homedir(), '.cache', 'kawa');
}

/**
 * $KAWA_TOOLS_DIR, absolute, when set: a read-only directory of prebuilt pinned binaries (the image's
 * /opt/kawa/tools/bin), so the renderers can sit on a read-only root while the cache is a writable volume.
 * kawa never builds into it.
 */
export function toolsDirOverride(): string | undefined {
  const dir = process.env['KAWA_TOOLS_DIR'];
  return dir === undefined || dir === '' ? undefined : path.resolve(dir);
}

/** The directory of the pinned binaries: $KAWA_TOOLS_DIR, else ~/.cache/kawa/bin. */
export function binDir(): string {
  return toolsDirOverride() ?? path.join(cacheDir(), 'bin');
}

/** Where a pinned binary lives: <binDir>/<binary>-<version> (~/.cache/kawa/bin once built, or $KAWA_TOOLS_DIR). */
export function binaryPath(binary: string, version: string): string {
  return path.join(binDir(), `${binary}-${version}`);
}

export function findGroup(pins: Pins, binary: string): ToolGroup {
  const group = pins.groups.find((g) => binary in g.binaries);
  if (!group) throw new UserError(errorCodes.PINS_INVALID, `no pinned group builds ${binary}`);
  return group;
}

/** The cached path of one pinned binary (whether or not it is built yet). */
export function pinnedBinary(pins: Pins, binary: string): string {
  return binaryPath(binary, findGroup(pins, binary).version);
}
