import { describe, expect, it } from 'vitest';
import type { CacheRequest } from './cache-request.js';
import { computeCacheScope, resolveTenant } from './cache-scope.js';

const base: CacheRequest = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'How do I reset my password?' },
  ],
  temperature: 0,
};
const scopeOf = (request: CacheRequest, tenant = 'team:a', alias = 'gpt-4o') => computeCacheScope(request, tenant, alias);

describe('computeCacheScope', () => {
  it.each<[string, Partial<CacheRequest>]>([
    ['temperature', { temperature: 0.7 }],
    ['top_p', { top_p: 0.9 }],
    ['n', { n: 2 }],
    ['max_tokens', { max_tokens: 10 }],
    ['max_completion_tokens', { max_completion_tokens: 10 }],
    ['stop', { stop: 'END' }],
    ['seed', { seed: 1 }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '1': 5 } }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
    ['tool_choice', { tool_choice: 'required' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['an unknown field', { some_new_field: true }],
    ['the model field', { model: 'other' }],
    ['the system prompt', { messages: [{ role: 'system', content: 'Be verbose.' }, { role: 'user', content: 'How do I reset my password?' }] }],
    ['a developer message', { messages: [...base.messages, { role: 'developer', content: 'x' }] }],
  ])('changes the scope and the exact key when %s changes', (_label, change) => {
    const a = scopeOf(base);
    const b = scopeOf({ ...base, ...change });
    expect(b.scopeHash).not.toBe(a.scopeHash);
    expect(b.requestHash).not.toBe(a.requestHash);
  });

  it.each<[string, Partial<CacheRequest>]>([
    ['stream', { stream: true }],
    ['stream_options', { stream_options: { include_usage: true } }],
    ['user', { user: 'u-1' }],
    ['metadata', { metadata: { a: 'b' } }],
  ])('ignores the volatile field %s', (_label, change) => {
    expect(scopeOf({ ...base, ...change })).toEqual(scopeOf(base));
  });

  it('keeps the scope but changes the exact key when only the user turn changes', () => {
    const other = scopeOf({ ...base, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Other question' }] });
    expect(other.scopeHash).toBe(scopeOf(base).scopeHash);
    expect(other.requestHash).not.toBe(scopeOf(base).requestHash);
  });

  it('separates tenants and model aliases', () => {
    expect(scopeOf(base, 'team:b').scopeHash).not.toBe(scopeOf(base).scopeHash);
    expect(scopeOf(base, 'team:a', 'cheap').scopeHash).not.toBe(scopeOf(base).scopeHash);
    expect(scopeOf(base, 'team:b').tenantHash).not.toBe(scopeOf(base).tenantHash);
  });

  it('does not depend on the order of object keys', () => {
    const reordered: CacheRequest = { temperature: 0, messages: base.messages, model: 'gpt-4o' };
    expect(scopeOf(reordered)).toEqual(scopeOf(base));
  });
});

describe('resolveTenant', () => {
  const shared = { support: { teams: ['a', 'b'] } };
  it.each([
    [{ team: 'a', modelAlias: 'm' }, 'team:a'],
    [{ team: 'a', modelAlias: 'm', namespace: 'support' }, 'ns:support'],
    [{ team: 'c', modelAlias: 'm', namespace: 'support' }, null],
    [{ team: 'a', modelAlias: 'm', namespace: 'unknown' }, null],
  ])('resolves %j to %s', (ctx, tenant) => {
    expect(resolveTenant(ctx, shared)).toBe(tenant);
  });
});
