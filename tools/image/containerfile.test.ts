// The Containerfile cannot be built here (no Docker engine, and `buildah run` fails in this sandbox), so this
// keeps it from drifting: its versions, packages, user and paths must equal what `npm run image` uses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGroup, loadPins, projectRoot } from '../../src/tools/pins.js';
import { imageLayout, loadImagePins, mmdebstrapArgs } from './build.js';

const root = projectRoot();
const text = readFileSync(path.join(root, 'Containerfile'), 'utf8');
// One instruction per logical line: backslash continuations joined.
const lines = text.replace(/\\\n/g, ' ').split('\n').filter((line) => !line.trimStart().startsWith('#'));
const pins = loadPins(root);
const imagePins = loadImagePins(root);

function arg(name: string): string | undefined {
  for (const line of lines) {
    const m = new RegExp(`^ARG ${name}=(\\S+)$`).exec(line.trim());
    if (m) return m[1];
  }
  return undefined;
}

function ignoreLines(file: string): string[] {
  return readFileSync(path.join(root, file), 'utf8').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

describe('Containerfile', () => {
  it('builds with the pinned Go, Node.js and Debian suite', () => {
    expect(arg('GO_VERSION')).toBe(pins.go);
    expect(arg('NODE_VERSION')).toBe(imagePins.node.version);
    expect(arg('DEBIAN_SUITE')).toBe(imagePins.debian.suite);
    expect(text).toMatch(/^FROM docker\.io\/library\/golang:\$\{GO_VERSION\}-\$\{DEBIAN_SUITE\} AS renderers$/m);
    expect(text).toMatch(/^FROM docker\.io\/library\/node:\$\{NODE_VERSION\}-\$\{DEBIAN_SUITE\}-slim AS kawa$/m);
    expect(text).toMatch(/^FROM docker\.io\/library\/debian:\$\{DEBIAN_SUITE\}-slim$/m);
  });

  it.each(imagePins.renderers)('builds %s from the pinned module, package, version and linker variables', (tool) => {
    const group = findGroup(pins, tool);
    const versionArg = `${tool.toUpperCase()}_VERSION`;
    expect(arg(versionArg)).toBe(group.version);
    const build = /build (\S+) (\S+) "\$(\w+)" (\S+) "([^"]*)"/g;
    const calls = [...text.matchAll(build)].filter((m) => m[1] === tool);
    expect(calls).toHaveLength(1);
    const [, , module, versionVar, pkg, ldflags] = calls[0] ?? [];
    expect(module).toBe(group.module);
    expect(versionVar).toBe(versionArg);
    expect(pkg).toBe(group.binaries[tool]);
    const expected = Object.entries(group.linkVariables ?? {}).map(([name, value]) => `-X ${name}=${value.replaceAll('{version}', `$${versionArg}`)}`);
    expect(ldflags?.split(/\s+(?=-X )/).filter((f) => f !== '') ?? []).toEqual(expected);
  });

  it('installs the same Debian packages as the mmdebstrap rootfs and makes the same user', () => {
    const apt = lines.find((line) => line.includes('apt-get install')) ?? '';
    for (const pkg of imagePins.debian.include) expect(apt).toMatch(new RegExp(`\\s${pkg.replace(/[+.]/g, '\\$&')}(\\s|$)`));
    const { user } = imagePins;
    const useradd = `useradd --uid ${user.uid} --gid ${user.gid} --home-dir ${user.home} --create-home --shell /usr/sbin/nologin ${user.name}`;
    expect(apt).toContain(`groupadd --gid ${user.gid} ${user.name}`);
    expect(apt).toContain(useradd);
    // The driver's rootfs makes the user with the very same command.
    expect(mmdebstrapArgs(imagePins, 'x.tar')).toContain(`--customize-hook=chroot "$1" ${useradd}`);
  });

  it('has the layout and config of the driver image', () => {
    const { user } = imagePins;
    expect(text).toContain(`ENV HOME=${user.home} KAWA_TOOLS_DIR=${imageLayout.toolsDir} NODE_ENV=production`);
    expect(text).toContain(`COPY --from=renderers /out/ ${imageLayout.toolsDir}/`);
    expect(text).toContain(`COPY --from=kawa /usr/local/bin/node ${imageLayout.node}`);
    expect(text).toContain(`exec ${imageLayout.node} ${imageLayout.app}/dist/src/cli/main.js "$@"`);
    expect(text).toMatch(new RegExp(`^USER ${user.uid}:${user.gid}$`, 'm'));
    expect(text).toMatch(new RegExp(`^WORKDIR ${user.home}$`, 'm'));
    expect(text).toContain(`ENTRYPOINT ["${imageLayout.entrypoint}"]`);
    expect(text).toContain('npm ci --omit=dev --ignore-scripts');
  });

  it('has the same ignore list for Docker and podman', () => {
    expect(ignoreLines('.dockerignore')).toEqual(ignoreLines('.containerignore'));
    expect(ignoreLines('.containerignore')).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});
