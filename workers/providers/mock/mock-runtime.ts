import { contentText, type ChatRequest } from '../../../shared/canonical/chat-request.js';
import type { ChatCompletion, Usage } from '../../../shared/canonical/chat-response.js';
import { GatewayError } from '../../../shared/errors/gateway-error.js';
import type { ProviderRuntime } from '../provider-runtime.js';

/**
 * The built-in `mock` provider: answers at once, deterministically, so a new user can run the whole
 * system with no vendor key. It echoes the last user message; tokens are counted as words.
 */
export function createMockRuntime(): ProviderRuntime {
  return {
    async complete(request, model, context, options) {
      if (options.signal.aborted) throw new GatewayError('cancelled', 'The request was cancelled');
      const text = mockReply(request);
      return {
        id: context.id,
        object: 'chat.completion',
        created: context.created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: mockUsage(request, text),
      } satisfies ChatCompletion;
    },

    async stream(request, model, context, options, onChunk) {
      const text = mockReply(request);
      const base = { id: context.id, object: 'chat.completion.chunk' as const, created: context.created, model };
      await onChunk({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      for (const word of text.split(/(?<= )/)) {
        if (options.signal.aborted) throw new GatewayError('cancelled', 'The request was cancelled');
        await onChunk({ ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] });
      }
      await onChunk({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      return mockUsage(request, text);
    },
  };
}

function mockReply(request: ChatRequest): string {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  return `This is a mock response to: ${contentText(lastUser?.content)}`;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function mockUsage(request: ChatRequest, reply: string): Usage {
  const prompt = request.messages.reduce((sum, m) => sum + countWords(contentText(m.content)), 0);
  const completion = countWords(reply);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
