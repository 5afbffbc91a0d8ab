// The error catalogue: codes are stable once released, so they follow one rule (`KAWA_` + key), never
// repeat, and each says in its comment what it means (the comment is the documentation users get).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BugError, UserError, apiReasons, errorCodes } from './errors.js';

const source = readFileSync(new URL('./errors.ts', import.meta.url), 'utf8');
const catalogue = source.slice(source.indexOf('export const errorCodes = {'), source.indexOf('} as const;'));
const reasonCatalogue = source.slice(source.indexOf('export const apiReasons = {'), source.indexOf('} as const;', source.indexOf('export const apiReasons = {')));

describe('errorCodes', () => {
  it.each(Object.entries(errorCodes))('%s is KAWA_ + its key', (key, code) => {
    expect(code).toBe(`KAWA_${key}`);
  });

  it('has no code twice', () => {
    const codes = Object.values(errorCodes);
    expect(codes.filter((code, i) => codes.indexOf(code) !== i)).toEqual([]);
  });

  it.each(Object.keys(errorCodes))('%s is documented by the comment above it', (key) => {
    const match = new RegExp(`/\\*\\*([^*]|\\*(?!/))+\\*/\\s*${key}:`).exec(catalogue);
    expect(match, `no /** … */ comment right above ${key}`).not.toBeNull();
  });

  it('UserError carries its code; BugError is INTERNAL', () => {
    expect(new UserError(errorCodes.SYNC_OPTION_INVALID, 'x')).toMatchObject({ code: 'KAWA_SYNC_OPTION_INVALID', name: 'UserError' });
    expect(new BugError('y')).toMatchObject({ code: 'KAWA_INTERNAL', name: 'BugError' });
  });
});

describe('apiReasons', () => {
  it.each(Object.entries(apiReasons))('%s is its own key, in google.rpc.ErrorInfo form', (key, reason) => {
    expect(reason).toBe(key);
    // AIP-193: UPPER_SNAKE_CASE, at most 63 characters.
    expect(reason).toMatch(/^[A-Z][A-Z0-9_]{0,61}[A-Z0-9]$/);
  });

  it.each(Object.keys(apiReasons))('%s is documented by the comment above it', (key) => {
    const match = new RegExp(`/\\*\\*([^*]|\\*(?!/))+\\*/\\s*${key}:`).exec(reasonCatalogue);
    expect(match, `no /** … */ comment right above ${key}`).not.toBeNull();
  });
});
