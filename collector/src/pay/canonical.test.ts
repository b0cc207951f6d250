import { describe, expect, it } from 'vitest';
import { canonicalJson, digestOf } from './canonical.ts';

describe('canonical JSON', () => {
  it('sorts keys at every depth, drops undefined, keeps array order', () => {
    expect(canonicalJson({ b: [true, null, 'x'], a: 1, c: undefined })).toBe('{"a":1,"b":[true,null,"x"]}');
    expect(canonicalJson({ z: { y: 2, x: 1 }, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"z":{"x":1,"y":2}}');
  });

  it('is the same bytes whatever order the keys were built in', () => {
    expect(canonicalJson({ a: 1, b: { c: 'é', d: -0 } })).toBe(canonicalJson({ b: { d: 0, c: 'é' }, a: 1 }));
  });

  it.each([[{ a: 0.1 }], [{ a: Number.NaN }], [{ a: 2 ** 60 }], [{ a: 1n }]])('refuses a number it cannot hold exactly: %o', (v) => {
    expect(() => canonicalJson(v)).toThrow(/integers only|cannot hold/);
  });

  it('names where a refused value sits', () => {
    expect(() => canonicalJson({ nodes: [{ spans: [1, 0.5] }] })).toThrow('canonical JSON holds integers only: $.nodes[0].spans[1] is 0.5');
    expect(() => canonicalJson([{ f: () => 1 }])).toThrow('canonical JSON cannot hold function at $[0].f');
  });

  it('writes empty and all-undefined objects and arrays', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: undefined })).toBe('{"b":1}');
    expect(canonicalJson({ a: undefined })).toBe('{}');
    expect(canonicalJson({ a: [], b: {} })).toBe('{"a":[],"b":{}}');
  });

  it('digests the canonical bytes with SHA-256', () => {
    // printf '%s' '{"a":1,"b":[true,null,"x"]}' | sha256sum
    expect(digestOf({ b: [true, null, 'x'], a: 1 })).toBe('eca8cfb31ab74533e1eb2f4c74d2d55dfe3c79ac704787e54be8647ea7777eb1');
  });
});
