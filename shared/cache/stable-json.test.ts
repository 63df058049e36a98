import { describe, expect, it } from 'vitest';
import { stableHash, stableJson } from './stable-json.js';

describe('stableJson', () => {
  it.each([
    [{ b: 1, a: [{ d: 2, c: 3 }] }, '{"a":[{"c":3,"d":2}],"b":1}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    [[undefined, 1], '[null,1]'],
    ['x"y', '"x\\"y"'],
    [Number.NaN, 'null'],
  ])('writes %j as %s', (value, text) => {
    expect(stableJson(value)).toBe(text);
  });

  it('hashes equal data equally whatever the key order, and different data differently', () => {
    expect(stableHash({ a: 1, b: 2 })).toBe(stableHash({ b: 2, a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: '1' }));
  });
});
