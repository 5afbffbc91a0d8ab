import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from './selector.js';

const matches = (selector: string, labels: Record<string, string>): boolean => matchesLabels(parseLabelSelector(selector), labels);

describe('label selectors', () => {
  it('matches equality, inequality, sets and existence like Kubernetes', () => {
    expect(matches('', {})).toBe(true);
    expect(matches('team=web', { team: 'web' })).toBe(true);
    expect(matches('team==web', { team: 'api' })).toBe(false);
    expect(matches('team!=web', {})).toBe(true);
    expect(matches('env in (dev, prod),team', { env: 'prod', team: 'x' })).toBe(true);
    expect(matches('env notin (dev,prod)', { env: 'dev' })).toBe(false);
    expect(matches('!legacy,example.com/tier=a', { 'example.com/tier': 'a' })).toBe(true);
    expect(matches('!legacy', { legacy: '' })).toBe(false);
  });

  it('refuses malformed selectors with a 400', () => {
    for (const bad of ['===', 'a=b c', 'a in (b', 'bad key=1', 'a=(x)']) {
      expect(() => parseLabelSelector(bad), bad).toThrow(/invalid label selector/);
    }
  });
});
