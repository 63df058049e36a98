import { describe, expectTypeOf, it } from 'vitest';
import type { ChatRequest } from '../canonical/chat-request.js';
import type { CacheRequest } from './cache-request.js';

describe('CacheRequest', () => {
  it('accepts the canonical ChatRequest as it is', () => {
    expectTypeOf<ChatRequest>().toExtend<CacheRequest>();
  });
});
