import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorFault } from './fault-plan.js';
import { recordedErrorFault } from './recorded-errors.js';
import { sendJson, startEmulatorServer, words, writeSse, type Emulator } from './emulator-server.js';
import { requestedTools, requiredOf } from './tool-calls.js';

/**
 * How the next streamed answers go, beyond the shared faults: a long answer (backpressure tests) or
 * a vendor that stalls after its first events (time-to-first-token tests, client aborts).
 */
export interface OpenAIStreamShape {
  /** The reply's content pieces are sent this many times over (one chunk each). */
  repeat?: number;
  /** Send this many events, then keep the connection open and send nothing more until the client hangs up. */
  stallAfterChunks?: number;
  /** While stalled, resend the role-only first chunk every this many ms: events that carry no answer (keep-alives). */
  keepAliveMs?: number;
  /**
   * Pause before sending event `beforeChunk` (0-based, in the order sent) until `until` settles, so a
   * test can act between two events and then let the stream go on. In ascending `beforeChunk` order.
   */
  holds?: Array<{ beforeChunk: number; until: Promise<unknown> }>;
  /** How many streamed requests it applies to; unset: all until cleared. */
  times?: number;
}

export interface OpenAIEmulator extends Emulator {
  /** Queues stream shapes, one per streamed request, like `faults`; `set(null)` clears them. */
  streams: { set(shape: OpenAIStreamShape | null): void; push(...shapes: OpenAIStreamShape[]): void };
}

/** A recorded OpenAI error (fixtures/openai/errors.json) as a fault. */
export function openAIErrorFault(status: '400' | '401' | '429' | '500' | '503', extra: Partial<EmulatorFault> = {}): EmulatorFault {
  return recordedErrorFault('openai', Number(status), extra);
}

interface ChatBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  tools?: Array<{ type?: string; function?: { name?: string; parameters?: unknown } }>;
  tool_choice?: string | { type?: string; function?: { name?: string } };
  max_tokens?: number;
  max_completion_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/**
 * A local OpenAI Chat Completions API in the recorded shapes (fixtures/openai): deterministic
 * replies (`echo: <last user text>`), tool calls on "call <tool>" (see tool-calls.ts), word-count
 * usage, SSE streams ending with a usage chunk and `[DONE]`, bearer auth with the recorded 401, and
 * injectable faults and stream shapes. `url` ends in /v1.
 */
export async function startOpenAIEmulator(options: { apiKey?: string } = {}): Promise<OpenAIEmulator> {
  const apiKey = options.apiKey ?? 'sk-test-emulator';
  let shapes: OpenAIStreamShape[] = [];
  const nextShape = (): OpenAIStreamShape | null => {
    const shape = shapes[0];
    if (!shape) return null;
    if (shape.times !== undefined && --shape.times <= 0) shapes.shift();
    return shape;
  };
  const emulator = await startEmulatorServer(
    {
      authorise: (req) => (req.headers.authorization === `Bearer ${apiKey}` ? null : openAIErrorFault('401')),
      answer: (req: IncomingMessage, res: ServerResponse, body, fault) => {
        if (req.method !== 'POST' || !req.url?.startsWith('/v1/chat/completions')) {
          return sendJson(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.url}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
        }
        const chat = body as ChatBody;
        if (chat.stream) return stream(res, chat, fault, nextShape());
        sendJson(res, 200, completion(chat));
      },
    },
    '/v1',
  );
  return Object.assign(emulator, {
    streams: {
      set: (shape: OpenAIStreamShape | null) => void (shapes = shape ? [shape] : []),
      push: (...more: OpenAIStreamShape[]) => void shapes.push(...more),
    },
  });
}

function lastUserText(chat: ChatBody): string {
  const last = [...(chat.messages ?? [])].reverse().find((m) => m.role === 'user' || m.role === 'tool');
  if (typeof last?.content === 'string') return last.content;
  if (Array.isArray(last?.content)) return last.content.map((p: { text?: string }) => p.text ?? '').join(' ');
  return '';
}

/** The tools the request asks for, as the emulator decides (tool-calls.ts); none with `tool_choice: none`. */
function toolCalls(chat: ChatBody): Array<{ id: string; name: string; arguments: string }> {
  const choice = chat.tool_choice;
  if (choice === 'none' || !chat.tools?.length) return [];
  const forced = choice === 'required' ? 'any' : typeof choice === 'object' ? choice.function?.name ?? null : null;
  const declared = chat.tools.map((t) => ({ name: t.function?.name ?? '', required: requiredOf(t.function?.parameters) }));
  return requestedTools(lastUserText(chat), declared, forced).map((call) => ({
    id: `call_emu${Math.random().toString(36).slice(2, 14)}`,
    name: call.name,
    arguments: JSON.stringify(call.args),
  }));
}

type Reply = { text: string; calls: ReturnType<typeof toolCalls>; finish: 'stop' | 'length' | 'tool_calls'; usage: Record<string, unknown> };

/** Deterministic reply and usage: prompt tokens = words in all messages, completion = reply words (5 per tool call). */
function reply(chat: ChatBody): Reply {
  const limit = chat.max_completion_tokens ?? chat.max_tokens;
  const calls = toolCalls(chat);
  let replyWords = calls.length > 0 ? [] : words(`echo: ${lastUserText(chat)}`);
  let finish: Reply['finish'] = calls.length > 0 ? 'tool_calls' : 'stop';
  if (limit !== undefined && replyWords.length > limit) {
    replyWords = replyWords.slice(0, limit);
    finish = 'length';
  }
  const prompt = (chat.messages ?? []).reduce((n, m) => n + words(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')).length, 0);
  const output = replyWords.length + 5 * calls.length;
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  return { text: replyWords.join(' '), calls, finish, usage };
}

function completion(chat: ChatBody): Record<string, unknown> {
  const { text, calls, finish, usage } = reply(chat);
  // As recorded (chat_response_tool_calls.json): content null beside the calls.
  const message = calls.length > 0
    ? { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })), refusal: null, annotations: [] }
    : { role: 'assistant', content: text, refusal: null, annotations: [] };
  return {
    id: `chatcmpl-emu${Math.random().toString(36).slice(2, 12)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: chat.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
    usage,
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
  };
}

/**
 * SSE as recorded: role delta, content deltas (or per tool call a header with id and name, then
 * argument fragments, as in chat_stream_parallel_tool_calls.recorded.sse), finish chunk, usage chunk
 * (if asked), [DONE].
 */
function stream(res: ServerResponse, chat: ChatBody, fault: EmulatorFault | null, shape: OpenAIStreamShape | null): void {
  const { text, calls, finish, usage } = reply(chat);
  const base = { id: `chatcmpl-emu${Math.random().toString(36).slice(2, 12)}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: chat.model, system_fingerprint: 'fp_emulator' };
  const withUsage = chat.stream_options?.include_usage === true ? { usage: null } : {};
  const delta = (d: Record<string, unknown>, finishReason: string | null = null) => ({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finishReason }], ...withUsage });
  const chunks: unknown[] = [delta(calls.length > 0 ? { role: 'assistant', content: null } : { role: 'assistant', content: '', refusal: null })];
  for (let round = 0; round < (shape?.repeat ?? 1); round++) {
    for (const piece of text ? text.split(/(?= )/) : []) chunks.push(delta({ content: piece }));
  }
  calls.forEach((call, index) => {
    chunks.push(delta({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (let i = 0; i < call.arguments.length; i += 6) chunks.push(delta({ tool_calls: [{ index, function: { arguments: call.arguments.slice(i, i + 6) } }] }));
  });
  chunks.push(delta({}, finish));
  if (chat.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage });
  const events = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`);
  if (shape?.stallAfterChunks !== undefined) {
    // A stalled vendor: what it sent so far, then silence on an open connection.
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    for (const event of events.slice(0, shape.stallAfterChunks)) res.write(event);
    if (shape.keepAliveMs) {
      const timer = setInterval(() => res.write(events[0]!), shape.keepAliveMs);
      res.on('close', () => clearInterval(timer));
    }
    return;
  }
  if (shape?.holds?.length) return void writeHeld(res, [...events, 'data: [DONE]\n\n'], shape.holds);
  writeSse(res, events, 'data: [DONE]\n\n', fault);
}

/** Writes `events` in order, waiting on each hold before its event; stops if the client hung up meanwhile. */
async function writeHeld(res: ServerResponse, events: string[], holds: NonNullable<OpenAIStreamShape['holds']>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  for (const [i, event] of events.entries()) {
    for (const hold of holds) if (hold.beforeChunk === i) await hold.until;
    if (res.destroyed) return;
    if (i === events.length - 1) res.end(event);
    else res.write(event);
  }
}
