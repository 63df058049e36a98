import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors/gateway-error.js';
import { toGeminiSchema } from './gemini-schema.js';

describe('JSON Schema → what Gemini can honour', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'the documented subset (and annotations such as pattern) passes through unchanged',
      { $schema: 'x', type: 'object', properties: { a: { type: ['string', 'null'], pattern: 'a|b' }, b: { anyOf: [{ type: 'integer' }, { type: 'null' }] } }, required: ['a'], additionalProperties: false },
      { $schema: 'x', type: 'object', properties: { a: { type: ['string', 'null'], pattern: 'a|b' }, b: { anyOf: [{ type: 'integer' }, { type: 'null' }] } }, required: ['a'], additionalProperties: false },
    ],
    ['const → a one-value enum', { type: 'string', const: 'fixed' }, { type: 'string', enum: ['fixed'] }],
    ['an allOf of one schema is merged in', { description: 'd', allOf: [{ type: 'string' }] }, { description: 'd', type: 'string' }],
    ['a $ref with siblings moves into anyOf', { $ref: '#/$defs/x', description: 'd' }, { description: 'd', anyOf: [{ $ref: '#/$defs/x' }] }],
    ['a bare $ref stays', { $ref: '#/$defs/x' }, { $ref: '#/$defs/x' }],
    [
      'nested schemas are adapted too (items, $defs, oneOf, additionalProperties)',
      { type: 'array', items: { const: 1 }, $defs: { x: { const: 'y' } }, oneOf: [{ const: 2 }], additionalProperties: { const: 3 } },
      { type: 'array', items: { enum: [1] }, $defs: { x: { enum: ['y'] } }, oneOf: [{ enum: [2] }], additionalProperties: { enum: [3] } },
    ],
  ])('%s', (_name, schema, expected) => {
    const before = JSON.stringify(schema);
    expect(toGeminiSchema(schema, 'p')).toEqual(expected);
    expect(JSON.stringify(schema)).toBe(before);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['not', { not: { type: 'null' } }, 'p.not'],
    ['if/then/else', { type: 'object', properties: { a: { if: { type: 'string' } } } }, 'p.properties.a.if'],
    ['patternProperties', { type: 'object', patternProperties: { '^x': {} } }, 'p.patternProperties'],
    ['a const Gemini enums cannot hold', { const: true }, 'p.const'],
    ['allOf of two', { items: { allOf: [{}, {}] } }, 'p.items.allOf'],
  ])('refuses %s with a 400 naming its path', (_name, schema, param) => {
    let thrown: unknown;
    try {
      toGeminiSchema(schema, 'p');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect([(thrown as GatewayError).status, (thrown as GatewayError).param]).toEqual([400, param]);
  });
});
