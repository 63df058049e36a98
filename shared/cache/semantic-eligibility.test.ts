import { describe, expect, it } from 'vitest';
import { cacheConfigSchema } from './cache-config.js';
import type { CacheMessage, CacheRequest } from './cache-request.js';
import { checkSemanticEligibility, type SemanticBypassReason } from './semantic-eligibility.js';

const settings = cacheConfigSchema.parse({}).semantic;
const req = (messages: CacheMessage[], extra: Partial<CacheRequest> = {}): CacheRequest => ({ model: 'm', messages, ...extra });
const user = (content: CacheMessage['content']): CacheMessage => ({ role: 'user', content });

describe('checkSemanticEligibility', () => {
  it.each<[string, CacheRequest, Partial<typeof settings>, SemanticBypassReason]>([
    ['disabled', req([user('hi there')]), { enabled: false }, 'disabled'],
    ['temperature above the cut-off', req([user('q')], { temperature: 1.2 }), {}, 'temperature'],
    ['n > 1', req([user('q')], { n: 3 }), {}, 'multiple-choices'],
    ['more turns than maxTurns', req([user('a'), { role: 'assistant', content: 'b' }, user('c')]), { maxTurns: 2 }, 'too-many-turns'],
    ['a tool result', req([user('a'), { role: 'assistant', tool_calls: [{}] }, { role: 'tool', content: 'r', tool_call_id: 'x' }, user('b')]), { maxTurns: 10 }, 'tool-results'],
    ['an image', req([user([{ type: 'text', text: 'what is this' }, { type: 'image_url' }])]), {}, 'non-text-content'],
    ['an assistant last turn', req([user('a'), { role: 'assistant', content: 'prefill' }]), {}, 'last-turn-not-user'],
    ['only a system message', req([{ role: 'system', content: 's' }]), {}, 'last-turn-not-user'],
    ['an empty prompt', req([user('   ')]), {}, 'empty-prompt'],
    ['a long prompt', req([user('x'.repeat(50))]), { maxPromptChars: 40 }, 'prompt-too-long'],
  ])('bypasses %s', (_label, request, override, reason) => {
    expect(checkSemanticEligibility(request, { ...settings, ...override })).toEqual({ eligible: false, reason });
  });

  it.each<[string, CacheRequest, Partial<typeof settings>]>([
    ['an absent temperature (counts as 1)', req([user('q')]), {}],
    ['temperature at the cut-off', req([user('q')], { temperature: 1 }), {}],
    ['n > 1 when allowed', req([user('q')], { n: 2 }), { allowMultipleChoices: true }],
    ['an image when allowed', req([user([{ type: 'text', text: 'q' }, { type: 'image_url' }])]), { allowNonText: true }],
  ])('admits %s', (_label, request, override) => {
    expect(checkSemanticEligibility(request, { ...settings, ...override }).eligible).toBe(true);
  });

  it('compares the final user text and puts earlier turns and non-text parts in the exact context', () => {
    const a = checkSemanticEligibility(req([user('first'), { role: 'assistant', content: 'ok' }, user(' How   do I\nreset it? ')]), settings);
    const b = checkSemanticEligibility(req([user('other'), { role: 'assistant', content: 'ok' }, user('How do I reset it?')]), settings);
    expect(a.eligible && a.queryText).toBe('How do I reset it?');
    expect(a.eligible && b.eligible && a.exactContext !== b.exactContext).toBe(true);
    const withImage = checkSemanticEligibility(req([user([{ type: 'text', text: 'q' }, { type: 'image_url' }])]), { ...settings, allowNonText: true });
    const plain = checkSemanticEligibility(req([user('q')]), settings);
    expect(withImage.eligible && plain.eligible && withImage.exactContext !== plain.exactContext).toBe(true);
  });
});
