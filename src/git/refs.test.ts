import { describe, expect, it } from 'vitest';
import { parseLsRemote, resolveFromRefs } from './refs.js';

const a = 'a'.repeat(40);
const b = 'b'.repeat(40);
const c = 'c'.repeat(40);
const t = 'd'.repeat(40);
const e = 'e'.repeat(40);

const output = [
  'ref: refs/heads/main\tHEAD',
  `${a}\tHEAD`,
  `${b}\trefs/heads/both`,
  `${c}\trefs/heads/feature/x`,
  `${a}\trefs/heads/main`,
  `${e}\trefs/tags/both`,
  `${b}\trefs/tags/light`,
  `${t}\trefs/tags/v2`,
  `${c}\trefs/tags/v2^{}`,
  '',
].join('\n');

describe('parseLsRemote', () => {
  it('reads refs, peeled tags and the HEAD symref', () => {
    const remote = parseLsRemote(output);
    expect(remote.headTarget).toBe('refs/heads/main');
    expect(remote.refs.get('HEAD')).toBe(a);
    expect(remote.refs.get('refs/tags/v2')).toBe(t);
    expect(remote.refs.get('refs/tags/v2^{}')).toBe(c);
    expect(remote.refs.size).toBe(8);
  });
});

describe('resolveFromRefs', () => {
  const remote = parseLsRemote(output);
  it.each([
    ['HEAD', a],
    ['main', a],
    ['refs/heads/main', a],
    ['feature/x', c],
    ['light', b],
    ['v2', c],
    ['refs/tags/v2', c],
    ['both', b],
    ['refs/tags/both', e],
    ['nope', undefined],
    ['heads/main', undefined],
  ])('%s → %s', (revision, sha) => {
    expect(resolveFromRefs(remote, revision)).toBe(sha);
  });
});
