import { describe, expect, it } from 'vitest';
import { compareVersions, ConstraintSyntaxError, isExactVersion, parseConstraint, parseVersion, pickVersion } from './semver.js';

const v = (text: string): NonNullable<ReturnType<typeof parseVersion>> => {
  const parsed = parseVersion(text);
  if (parsed === undefined) throw new Error(`bad test version ${text}`);
  return parsed;
};

describe('parseVersion', () => {
  it.each([
    ['1.2.3', [1, 2, 3, []]],
    ['v1.2.3', [1, 2, 3, []]],
    ['1.2', [1, 2, 0, []]],
    ['1', [1, 0, 0, []]],
    ['1.2.3-rc.1+build.5', [1, 2, 3, ['rc', '1']]],
  ] as const)('%s', (text, [major, minor, patch, pre]) => {
    expect(parseVersion(text)).toMatchObject({ major, minor, patch, prerelease: pre, raw: text });
  });

  it.each(['', 'latest', '1.2.3.4', '1.2.3-', '1.2.3-01', '-1.0.0', 'x'])('refuses %j', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });
});

describe('compareVersions', () => {
  // Semver 2.0.0 §11's example order.
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '2.0.0', '10.0.0'];
  it('orders by precedence', () => {
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort((a, b) => compareVersions(v(a), v(b)))).toEqual(ordered);
  });
  it('ignores build metadata', () => {
    expect(compareVersions(v('1.0.0+a'), v('1.0.0+b'))).toBe(0);
  });
});

describe('parseConstraint', () => {
  // [constraint, versions it accepts, versions it refuses] — the cases of Masterminds/semver's README.
  const cases: [string, string[], string[]][] = [
    ['1.2.3', ['1.2.3', 'v1.2.3'], ['1.2.4', '1.2.3-rc.1']],
    ['=1.2', ['1.2.0', '1.2.9'], ['1.3.0', '1.1.9']],
    ['1.2.x', ['1.2.0', '1.2.7'], ['1.3.0']],
    ['*', ['0.0.1', '99.0.0'], ['1.0.0-rc.1']],
    ['!=1.2.3', ['1.2.4', '1.2.2'], ['1.2.3']],
    ['>1.2.3', ['1.2.4', '2.0.0'], ['1.2.3', '1.0.0']],
    ['>1.2', ['1.3.0'], ['1.2.9']],
    ['>=1.2', ['1.2.0', '3.0.0'], ['1.1.9']],
    ['>= 1.2, < 3.0.0', ['1.2.0', '2.9.9'], ['3.0.0', '1.1.0']],
    ['>=1.2 <3', ['2.0.0'], ['3.0.0']],
    ['<1.2', ['1.1.9'], ['1.2.0']],
    ['<=1.2', ['1.2.9'], ['1.3.0']],
    ['<=1.2.3', ['1.2.3'], ['1.2.4']],
    ['~1.2.3', ['1.2.3', '1.2.9'], ['1.3.0', '1.2.2']],
    ['~1.2', ['1.2.0', '1.2.9'], ['1.3.0']],
    ['~1', ['1.0.0', '1.9.0'], ['2.0.0']],
    ['~>1.2', ['1.2.5'], ['1.3.0']],
    ['^1.2.3', ['1.2.3', '1.9.9'], ['2.0.0', '1.2.2']],
    ['^1.2.x', ['1.2.0', '1.9.0'], ['2.0.0']],
    ['^2.x', ['2.0.0', '2.5.0'], ['3.0.0']],
    ['^0.2.3', ['0.2.3', '0.2.9'], ['0.3.0']],
    ['^0.2', ['0.2.0', '0.2.9'], ['0.3.0']],
    ['^0.0.3', ['0.0.3'], ['0.0.4']],
    ['^0.0', ['0.0.9'], ['0.1.0']],
    ['^0', ['0.9.0'], ['1.0.0']],
    ['1.2 - 1.4.5', ['1.2.0', '1.4.5'], ['1.4.6', '1.1.9']],
    ['2.3.4 - 4.5', ['2.3.4', '4.5.9'], ['4.6.0']],
    ['^1.2 || ^3', ['1.5.0', '3.1.0'], ['2.0.0']],
    ['>=1.0.0-0', ['1.0.0-rc.1', '1.0.0', '2.0.0-beta'], ['0.9.0']],
    ['^1.0.0-beta', ['1.0.0-beta.2', '1.0.0', '1.5.0'], ['1.0.0-alpha', '2.0.0']],
  ];
  it.each(cases)('%s', (constraint, accepted, refused) => {
    const check = parseConstraint(constraint);
    for (const ok of accepted) expect(check(v(ok)), `${constraint} should accept ${ok}`).toBe(true);
    for (const no of refused) expect(check(v(no)), `${constraint} should refuse ${no}`).toBe(false);
  });

  it.each(['', '>=', '1.2.3.4', 'latest', '1.0 -', '>>1', '1 || '])('refuses %j', (text) => {
    expect(() => parseConstraint(text)).toThrow(ConstraintSyntaxError);
  });
});

describe('pickVersion', () => {
  const available = ['0.9.0', '1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1', 'nightly'];
  it.each([
    ['', '1.10.0'],
    ['*', '1.10.0'],
    ['1.2.0', '1.2.0'],
    ['^1.0', '1.10.0'],
    ['~1.2', '1.2.0'],
    ['<1', '0.9.0'],
    ['>=2.0.0-0', '2.0.0-rc.1'],
    ['nightly', 'nightly'],
    ['3.x', undefined],
    ['1.2.1', undefined],
  ] as const)('%j → %s', (wanted, picked) => {
    expect(pickVersion(available, wanted)).toBe(picked);
  });
});

describe('isExactVersion', () => {
  it.each([
    ['1.2.3', true],
    ['v1.2.3-rc.1', true],
    ['1.2', false],
    ['^1.2.3', false],
    ['1.2.x', false],
    ['', false],
  ] as const)('%j', (text, exact) => {
    expect(isExactVersion(text)).toBe(exact);
  });
});
