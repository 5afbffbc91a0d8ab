import { describe, expect, it } from 'vitest';
import { canonicalQuantity, parseQuantity, quantityEquals } from './quantity.js';

describe('canonicalQuantity', () => {
  const cases: ReadonlyArray<readonly [input: string | number, canonical: string | undefined]> = [
    ['1', '1'],
    ['1000m', '1'],
    ['0.5', '500m'],
    [0.5, '500m'],
    ['.5', '500m'],
    ['1.', '1'],
    ['1.5', '1500m'],
    ['100m', '100m'],
    ['0.1', '100m'],
    [0.1, '100m'],
    ['1e3', '1k'],
    ['1E3', '1k'],
    ['1000', '1k'],
    ['1k', '1k'],
    ['1e-3', '1m'],
    ['1E', '1E'],
    ['1e+21', '1000E'],
    [1e21, '1000E'],
    ['1Gi', '1Gi'],
    ['1073741824', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.125Gi', '128Mi'],
    ['512Mi', '512Mi'],
    ['1G', '1G'],
    ['1000M', '1G'],
    ['1024', '1Ki'],
    ['1536', '1536'],
    ['0', '0'],
    ['0Gi', '0'],
    ['-1', '-1'],
    ['+2', '2'],
    ['-500m', '-500m'],
    ['1n', '1n'],
    ['1u', '1u'],
    ['0.1n', '1n'], // finer than nano rounds up, as the API server stores it
    ['1.0000000001', '1000000001n'],
    ['-0.1n', '-1n'],
    ['12345678901234567890', '12345678901234567890'],
    ['', undefined],
    ['Gi', undefined],
    ['1GB', undefined],
    ['1 Gi', undefined],
    ['1e', undefined],
    ['1.2.3', undefined],
    ['1e999', undefined],
    ['abc', undefined],
    [Number.NaN, undefined],
    ['25%', undefined],
  ];
  it.each(cases)('%s → %s', (input, canonical) => {
    expect(canonicalQuantity(input)).toBe(canonical);
  });
});

describe('quantityEquals', () => {
  const cases: ReadonlyArray<readonly [a: string | number, b: string | number, equal: boolean]> = [
    ['1000m', '1', true],
    ['1Gi', '1073741824', true],
    ['0.5', '500m', true],
    ['1e3', '1k', true],
    [2, '2000m', true],
    ['1Gi', '1G', false],
    ['100m', '0.01', false],
    ['x', 'x', false], // not quantities: never equal as quantities
  ];
  it.each(cases)('%s = %s is %s', (a, b, equal) => {
    expect(quantityEquals(a, b)).toBe(equal);
  });

  it('is exact where floats are not', () => {
    expect(parseQuantity('0.3')).toEqual(parseQuantity('300m'));
  });
});
