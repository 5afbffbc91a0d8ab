import { describe, expect, it } from 'vitest';
import { parseGoBool } from './go-bool.js';

describe('parseGoBool', () => {
  it('reads the words Go reads', () => {
    for (const word of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(word)).toBe(true);
    for (const word of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(word)).toBe(false);
  });

  it('refuses anything else, as Go does', () => {
    for (const word of ['', 'yes', 'on', 'tRUE', ' true']) expect(parseGoBool(word)).toBeUndefined();
  });
});
