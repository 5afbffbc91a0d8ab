import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { helmPackage, rejectsWith, writeChart } from '../../../test/harness/render.js';
import { errorCodes } from '../../errors.js';
import { unpackChart } from './tar.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kawa-tar-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A ustar entry: header (name, size, type, optional link name) + data padded to 512 bytes. */
function entry(name: string, data: string, type = '0', linkname = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${Buffer.byteLength(data).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write(type, 156);
  header.write(linkname, 157, 100);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(data) / 512) * 512);
  body.write(data);
  return Buffer.concat([header, body]);
}
const archive = (...entries: Buffer[]): Buffer => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('unpackChart', () => {
  it('unpacks a real `helm package` archive with its top directory stripped', async () => {
    const work = await tempDir();
    const chart = await writeChart(work, 'demo', '1.2.3', { 'templates/_helpers.tpl': '{{/* x */}}\n', '.helmignore': '*.bak\n' });
    const tgz = await helmPackage(chart, work);
    const dest = await tempDir();
    expect(await unpackChart(await readFile(tgz), dest, { shown: 'demo' })).toBe(5);
    expect(await files(dest)).toEqual(['.helmignore', 'Chart.yaml', 'templates/_helpers.tpl', 'templates/configmap.yaml', 'values.yaml']);
    expect(await readFile(path.join(dest, 'Chart.yaml'), 'utf8')).toContain('version: 1.2.3');
  });

  it('takes GNU long names and PAX paths', async () => {
    const long = `demo/templates/${'a'.repeat(120)}.yaml`;
    const pax = (record: string): string => {
      const body = ` path=${record}\n`;
      let length = body.length + 1;
      if (String(length).length + body.length !== length) length = String(length + 1).length + body.length;
      return `${length}${body}`;
    };
    const dest = await tempDir();
    await unpackChart(
      archive(entry('././@LongLink', long, 'L'), entry('ignored', 'long'), entry('PaxHeader', pax('demo/values.yaml'), 'x'), entry('ignored2', 'pax'), entry('demo/Chart.yaml', 'name: demo\n')),
      dest,
      { shown: 'demo' },
    );
    expect(await files(dest)).toEqual(['Chart.yaml', `templates/${'a'.repeat(120)}.yaml`, 'values.yaml']);
    expect(await readFile(path.join(dest, 'values.yaml'), 'utf8')).toBe('pax');
  });

  it('skips symlinks and hard links, as Helm does', async () => {
    const dest = await tempDir();
    await unpackChart(archive(entry('demo/Chart.yaml', 'x'), entry('demo/link', '', '2', '/etc/passwd'), entry('demo/hard', '', '1', 'demo/Chart.yaml')), dest, { shown: 'demo' });
    expect(await files(dest)).toEqual(['Chart.yaml']);
  });

  it.each([
    ['demo/../../escape.yaml', errorCodes.RENDER_PATH_ESCAPE, /leads outside the chart/],
    ['/etc/cron.d/x', errorCodes.RENDER_PATH_ESCAPE, /absolute path/],
    ['../x', errorCodes.RENDER_PATH_ESCAPE, /leads outside the chart/],
  ])('refuses the entry %s', async (name, code, message) => {
    const dest = await tempDir();
    await rejectsWith(unpackChart(archive(entry('demo/Chart.yaml', 'x'), entry(name, 'boom')), dest, { shown: 'chart demo' }), code, message);
    expect(await files(dest)).toEqual([]);
  });

  it('stops inflating past the size cap (gzip bomb)', async () => {
    const bomb = gzipSync(Buffer.concat([entry('demo/big', 'x'.repeat(4 * 1024 * 1024))]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await rejectsWith(unpackChart(bomb, await tempDir(), { shown: 'chart demo', maxBytes: 1024 * 1024 }), errorCodes.RENDER_TOO_LARGE, /chart demo: the chart is larger than 1048576 bytes/);
  });

  it.each([
    ['not gzip', Buffer.from('hello'), /not a gzip archive/],
    ['truncated', gzipSync(entry('demo/Chart.yaml', 'x'.repeat(2000)).subarray(0, 1024)), /truncated tar archive/],
    ['empty', gzipSync(Buffer.alloc(1024)), /holds no files/],
  ])('refuses a %s archive', async (_what, bytes, message) => {
    await rejectsWith(unpackChart(bytes, await tempDir(), { shown: 'chart demo' }), errorCodes.HELM_REPO_FAILED, message);
  });
});
