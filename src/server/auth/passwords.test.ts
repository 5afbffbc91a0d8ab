// Hashing, generators and validation. bootstrapAuth and changePassword against the API server: test/e2e/server-auth-passwords.test.ts.
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../errors.js';
import {
  BCRYPT_COST,
  generatePassword,
  generateServerSecretKey,
  hashPassword,
  validateNewPassword,
  verifyPassword,
} from './passwords.js';

describe('hash and verify', () => {
  it('hashes with bcrypt at cost ≥ 10 and verifies', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^\$2[aby]\$\d\d\$/);
    expect(bcrypt.getRounds(hash)).toBeGreaterThanOrEqual(BCRYPT_COST);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
  });

  it('verifies hashes written by Argo CD (Go bcrypt, $2a$)', async () => {
    const goStyle = bcrypt.hashSync('password', 10).replace(/^\$2b\$/, '$2a$');
    expect(await verifyPassword('password', goStyle)).toBe(true);
  });

  it('refuses a cost below 10 and passwords bcrypt would truncate', async () => {
    await expect(hashPassword('x', 4)).rejects.toThrow(/below the minimum/);
    await expect(hashPassword('a'.repeat(73))).rejects.toMatchObject({ code: errorCodes.AUTH_PASSWORD_INVALID });
  });

  it('never throws on a malformed hash or an over-long password', async () => {
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
    const hash = await hashPassword('a'.repeat(72));
    expect(await verifyPassword(`${'a'.repeat(72)}b`, hash)).toBe(false);
  });
});

describe('generators', () => {
  it('makes 16 random alphanumerics', () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generatePassword()));
    expect(passwords.size).toBe(50);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it('makes a 32-byte base64 secret key', () => {
    expect(Buffer.from(generateServerSecretKey(), 'base64')).toHaveLength(32);
  });
});

describe('validateNewPassword', () => {
  it.each([
    ['short', undefined, /does not match the password pattern/],
    ['a'.repeat(33), undefined, /does not match/],
    ['x'.repeat(80), '^.{8,}$', /longer than 72 bytes/],
    ['whatever!', '([', /not a valid regular expression/],
  ])('%j with pattern %j', (password, pattern, message) => {
    expect(() => {
      validateNewPassword(password, pattern);
    }).toThrow(message);
  });

  it('accepts a password that fits', () => {
    expect(() => {
      validateNewPassword('long enough');
    }).not.toThrow();
  });
});
