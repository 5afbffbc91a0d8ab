// Unpacks a chart archive (`.tgz`, as `helm package` and `helm pull` make them) into a directory,
// refusing what a hostile archive could do: absolute paths, `..`, paths through links, and sizes past
// a cap (checked while inflating, so a gzip bomb never fills memory). Like Helm's own loader, only
// regular files and directories are taken; symlinks, hard links and devices are skipped. The archive's
// top-level directory (`<chart>/`) is stripped, so the chart's files land at `destDir` itself.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError, errorCodes } from '../../errors.js';

/** Helm's own limit on a decompressed chart (`MaxDecompressedChartSize`). */
export const DEFAULT_MAX_CHART_BYTES = 100 * 1024 * 1024;
const MAX_ENTRIES = 20_000;
const BLOCK = 512;

export interface UnpackOptions {
  /** Cap on the decompressed archive (default 100 MiB). */
  maxBytes?: number;
  /** Names the archive in errors (`chart redis-1.2.3.tgz`). */
  shown: string;
}

function bad(shown: string, why: string, code: (typeof errorCodes)[keyof typeof errorCodes] = errorCodes.HELM_REPO_FAILED): UserError {
  return new UserError(code, `${shown}: ${why}`);
}

/** A NUL-terminated header field. */
function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

/** A numeric header field: octal text, or GNU base-256 for large values. */
function numberField(header: Buffer, start: number, length: number, shown: string): number {
  const first = header[start] ?? 0;
  if (first & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (header[i] ?? 0);
    return value;
  }
  const text = field(header, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(shown, `malformed tar header (size "${text}")`);
  return Number.parseInt(text, 8);
}

/** The `path` records of a PAX extended header. */
function paxPath(data: Buffer): string | undefined {
  let offset = 0;
  let found: string | undefined;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(data.subarray(offset, space).toString('ascii'), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq !== -1 && record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    offset += length;
  }
  return found;
}

/**
 * The path of an entry below the archive's top directory, or undefined for the top directory itself.
 * Throws on absolute paths and `..`.
 */
function entryPath(name: string, shown: string): string | undefined {
  const normal = name.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[A-Za-z]:/.test(normal)) throw bad(shown, `archive entry "${name}" has an absolute path`, errorCodes.RENDER_PATH_ESCAPE);
  const parts = normal.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad(shown, `archive entry "${name}" leads outside the chart`, errorCodes.RENDER_PATH_ESCAPE);
  if (parts.some((p) => p.includes('\0'))) throw bad(shown, `archive entry "${name}" contains a NUL byte`);
  const rest = parts.slice(1);
  return rest.length === 0 ? undefined : rest.join('/');
}

function inflate(archive: Buffer, maxBytes: number, shown: string): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw bad(shown, `the chart is larger than ${maxBytes} bytes once decompressed`, errorCodes.RENDER_TOO_LARGE);
    throw bad(shown, `not a gzip archive (${(err as Error).message})`);
  }
}

/** Unpacks a gzip'd tar of one chart into `destDir` (which must exist and be empty); returns the file count. */
export async function unpackChart(archive: Buffer, destDir: string, options: UnpackOptions): Promise<number> {
  const { shown } = options;
  const tar = inflate(archive, options.maxBytes ?? DEFAULT_MAX_CHART_BYTES, shown);
  const files = new Map<string, Buffer>();
  const dirs = new Set<string>();
  let longName: string | undefined;
  let entries = 0;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    if (++entries > MAX_ENTRIES) throw bad(shown, `more than ${MAX_ENTRIES} entries`);
    const size = numberField(header, 124, 12, shown);
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) throw bad(shown, 'truncated tar archive');
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g' || type === 'K') continue;
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix === '' ? field(header, 0, 100) : `${prefix}/${field(header, 0, 100)}`);
    longName = undefined;
    const rel = entryPath(name, shown);
    if (rel === undefined) continue;
    if (type === '5') dirs.add(rel);
    else if (type === '0' || type === '\0' || type === '7') files.set(rel, data);
    // Links and special files are skipped, as Helm's chart loader skips them.
  }
  if (files.size === 0) throw bad(shown, 'the archive holds no files');
  // A file whose parent is also a file would be written through nothing we created; refuse the overlap.
  for (const rel of files.keys()) {
    for (let parent = path.posix.dirname(rel); parent !== '.'; parent = path.posix.dirname(parent)) {
      if (files.has(parent)) throw bad(shown, `archive entry "${rel}" is below the file "${parent}"`);
    }
  }
  for (const rel of dirs) await mkdir(path.join(destDir, rel), { recursive: true, mode: 0o755 });
  for (const [rel, data] of files) {
    const target = path.join(destDir, rel);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    // `wx`: the directory is fresh and entries are unique, so anything already there is a surprise.
    await writeFile(target, data, { mode: 0o644, flag: 'wx' });
  }
  return files.size;
}
