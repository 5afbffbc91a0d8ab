import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applicationSourceSchema, applicationSpecSchema } from '../model/index.js';
import { problemsOf } from './http-errors.js';
import { strictify } from './strict.js';

const problems = (schema: z.ZodType, input: unknown): string[] => {
  const result = schema.safeParse(input, { reportInput: true });
  return result.success ? [] : problemsOf(result.error.issues).map((p) => `${p.path}: ${p.message}`);
};

describe('strictify', () => {
  const spec = strictify(applicationSpecSchema, new Map([[applicationSourceSchema, { tagPrefix: z.string().optional() }]]));
  const valid = {
    project: 'default',
    source: { repoURL: 'https://example.com/repo', helm: { valuesObject: { any: { thing: [1] } } }, tagPrefix: 'v' },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'x' },
  };

  it('accepts what the model accepts, extras included, free-form maps left open', () => {
    expect(problems(spec, valid)).toEqual([]);
    expect(spec.parse(valid)).toEqual(valid);
  });

  it('refuses unknown keys at every depth, each at its own path', () => {
    const input = { ...valid, sorce: {}, destination: { ...valid.destination, namepace: 'y' }, source: { ...valid.source, helm: { valueFile: [] } } };
    expect(problems(spec, input)).toEqual(['source.helm.valueFile: unknown field', 'destination.namepace: unknown field', 'sorce: unknown field']);
  });

  it('keeps refinements and reports wrong types with what was sent', () => {
    const input = { ...valid, revisionHistoryLimit: -1, syncPolicy: { retry: { backoff: { duration: 'soon' } }, automated: { prune: 'yes' } } };
    expect(problems(spec, input)).toEqual([
      'syncPolicy.automated.prune: expected boolean, got string',
      'syncPolicy.retry.backoff.duration: not a duration like 5s/3m',
      'revisionHistoryLimit: Too small: expected number to be >=0',
    ]);
  });

  it('leaves the model schema itself loose', () => {
    expect(applicationSpecSchema.safeParse({ ...valid, sorce: {} }).success).toBe(true);
  });
});
