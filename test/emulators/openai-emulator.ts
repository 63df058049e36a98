import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorFault } from './fault-plan.js';
import { recordedErrorFault } from './recorded-errors.js';
import { sendJson, startEmulatorServer, words, writeSse, type Emulator } from './emulator-server.js';

export type OpenAIEmulator = Emulator;

/** A recorded OpenAI error (fixtures/openai/errors.json) as a fault. */
export function openAIErrorFault(status: '400' | '401' | '429' | '500' | '503', extra: Partial<EmulatorFault> = {}): EmulatorFault {
  return recordedErrorFault('openai', Number(status), extra);
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/**
 * A local OpenAI Chat Completions API in the recorded shapes (fixtures/openai): deterministic
 * replies (`echo: <last user text>`), word-count usage, SSE streams ending with a usage chunk and
 * `[DONE]`, bearer auth with the recorded 401, and injectable faults. `url` ends in /v1.
 */
export function startOpenAIEmulator(options: { apiKey?: string } = {}): Promise<OpenAIEmulator> {
  const apiKey = options.apiKey ?? 'sk-test-emulator';
  return startEmulatorServer(
    {
      authorise: (req) => (req.headers.authorization === `Bearer ${apiKey}` ? null : openAIErrorFault('401')),
      answer: (req: IncomingMessage, res: ServerResponse, body, fault) => {
        if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
          return sendJson(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.url}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
        }
        const chat = body as ChatBody;
        if (chat.stream) return stream(res, chat, fault);
        sendJson(res, 200, completion(chat));
      },
    },
    '/v1',
  );
}

function lastUserText(chat: ChatBody): string {
  const last = [...(chat.messages ?? [])].reverse().find((m) => m.role === 'user' || m.role === 'tool');
  if (typeof last?.content === 'string') return last.content;
  if (Array.isArray(last?.content)) return last.content.map((p: { text?: string }) => p.text ?? '').join(' ');
  return '';
}

/** Deterministic reply and usage: prompt tokens = words in all messages, completion = reply words. */
function reply(chat: ChatBody): { text: string; finish: 'stop' | 'length'; usage: Record<string, unknown> } {
  const limit = chat.max_completion_tokens ?? chat.max_tokens;
  let replyWords = words(`echo: ${lastUserText(chat)}`);
  let finish: 'stop' | 'length' = 'stop';
  if (limit !== undefined && replyWords.length > limit) {
    replyWords = replyWords.slice(0, limit);
    finish = 'length';
  }
  const prompt = (chat.messages ?? []).reduce((n, m) => n + words(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')).length, 0);
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: replyWords.length,
    total_tokens: prompt + replyWords.length,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  return { text: replyWords.join(' '), finish, usage };
}

function completion(chat: ChatBody): Record<string, unknown> {
  const { text, finish, usage } = reply(chat);
  return {
    id: `chatcmpl-emu${Math.random().toString(36).slice(2, 12)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: chat.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: finish }],
    usage,
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
  };
}

/** SSE as recorded: role delta, content deltas, finish chunk, usage chunk (if asked), [DONE]. */
function stream(res: ServerResponse, chat: ChatBody, fault: EmulatorFault | null): void {
  const { text, finish, usage } = reply(chat);
  const base = { id: `chatcmpl-emu${Math.random().toString(36).slice(2, 12)}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: chat.model, system_fingerprint: 'fp_emulator' };
  const withUsage = chat.stream_options?.include_usage === true ? { usage: null } : {};
  const chunks: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], ...withUsage }];
  for (const piece of text.split(/(?= )/)) chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }], ...withUsage });
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }], ...withUsage });
  if (chat.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage });
  writeSse(res, chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n', fault);
}
