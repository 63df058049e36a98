import type { ServerResponse } from 'node:http';
import { sendJson, startEmulatorServer, words, writeSse, type Emulator } from './emulator-server.js';
import type { EmulatorFault } from './fault-plan.js';
import { recordedErrorFault } from './recorded-errors.js';
import { requestedTools, requiredOf } from './tool-calls.js';

type Block = { type: string; text?: string; id?: string; name?: string; input?: unknown; tool_use_id?: string; content?: unknown };
interface MessagesBody {
  model?: string;
  max_tokens?: unknown;
  system?: unknown;
  messages?: Array<{ role?: string; content?: string | Block[] }>;
  tools?: Array<{ name: string; input_schema?: unknown }>;
  tool_choice?: { type?: string; name?: string };
  stop_sequences?: string[];
  stream?: boolean;
}

const MID_STREAM_ERROR = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';

/**
 * A local Anthropic Messages API (`POST /v1/messages`, SDK `baseURL` = the returned url) in the
 * recorded shapes (fixtures/anthropic): `echo: <last user text>` replies, tool_use on "call <tool>",
 * word-count usage with the cache fields, the recorded SSE event sequence, and the checks the real
 * API enforces (max_tokens required, alternating roles starting with user, no system role,
 * tool_result ids matching a prior tool_use) answered with its recorded 400 shape.
 */
export function startAnthropicEmulator(options: { apiKey?: string } = {}): Promise<Emulator> {
  const apiKey = options.apiKey ?? 'sk-test-emulator';
  return startEmulatorServer(
    {
      authorise: (req) =>
        req.headers['x-api-key'] === apiKey || req.headers.authorization === `Bearer ${apiKey}` ? null : recordedErrorFault('anthropic', 401),
      answer: (req, res, body, fault) => {
        if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) return invalid(res, `Unknown path ${req.url}`, 404);
        const problem = validate(body as MessagesBody);
        if (problem) return invalid(res, problem);
        const message = reply(body as MessagesBody);
        if ((body as MessagesBody).stream) return stream(res, message, fault);
        sendJson(res, 200, message);
      },
    },
    '',
  );
}

function invalid(res: ServerResponse, message: string, status = 400): void {
  sendJson(res, status, { type: 'error', error: { type: status === 404 ? 'not_found_error' : 'invalid_request_error', message }, request_id: 'req_emulator' });
}

function blocks(content: string | Block[] | undefined): Block[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);
}

function validate(body: MessagesBody): string | null {
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  const messages = body.messages ?? [];
  if (messages.length === 0) return 'messages: at least one message is required';
  const seenToolUses = new Set<string>();
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i === 0 && m.role !== 'user') return 'messages: first message must use the "user" role';
    if (i > 0 && messages[i - 1]!.role === m.role) return 'messages: roles must alternate between "user" and "assistant"';
    if (blocks(m.content).length === 0) return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    for (const block of blocks(m.content)) {
      if (block.type === 'tool_use' && block.id) seenToolUses.add(block.id);
      if (block.type === 'tool_result' && !seenToolUses.has(block.tool_use_id ?? '')) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}`;
      }
    }
  }
  return null;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: Block) => (b.type === 'text' ? b.text ?? '' : b.type === 'tool_result' ? `result ${textOf(b.content)}` : '')).join(' ').trim();
  return '';
}

function reply(body: MessagesBody): Record<string, unknown> {
  const messages = body.messages ?? [];
  const last = messages.at(-1);
  const lastText = textOf(last?.content);
  const forced = body.tool_choice?.type === 'any' ? 'any' : body.tool_choice?.type === 'tool' ? body.tool_choice.name ?? null : null;
  const calls = body.tool_choice?.type === 'none' ? [] : requestedTools(lastText, (body.tools ?? []).map((t) => ({ name: t.name, required: requiredOf(t.input_schema) })), forced);
  const content: Block[] = [];
  let stop = 'end_turn';
  let stopSequence: string | null = null;
  if (calls.length > 0) {
    calls.forEach((call, i) => content.push({ type: 'tool_use', id: `toolu_emu${i}${Math.random().toString(36).slice(2, 10)}`, name: call.name, input: call.args }));
    stop = 'tool_use';
  } else {
    let text = words(`echo: ${lastText}`);
    for (const sequence of body.stop_sequences ?? []) {
      const at = text.indexOf(sequence);
      if (at >= 0) {
        text = text.slice(0, at);
        stop = 'stop_sequence';
        stopSequence = sequence;
      }
    }
    if (text.length > (body.max_tokens as number)) {
      text = text.slice(0, body.max_tokens as number);
      stop = 'max_tokens';
    }
    content.push({ type: 'text', text: text.join(' ') });
  }
  const input = words(textOf(body.system)).length + messages.reduce((n, m) => n + words(textOf(m.content)).length, 0);
  const output = content.reduce((n, b) => n + (b.text ? words(b.text).length : 5), 0);
  return {
    id: `msg_emu${Math.random().toString(36).slice(2, 14)}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stop,
    stop_sequence: stopSequence,
    usage: { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }, output_tokens: output, service_tier: 'standard' },
  };
}

/** The recorded event sequence: message_start, blocks (start, ping, deltas, stop), message_delta, message_stop. */
function stream(res: ServerResponse, message: Record<string, unknown>, fault: EmulatorFault | null): void {
  const event = (type: string, data: unknown): string => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const usage = message.usage as { input_tokens: number; output_tokens: number };
  const events = [event('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } })];
  (message.content as Block[]).forEach((block, index) => {
    if (block.type === 'text') {
      events.push(event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      if (index === 0) events.push(event('ping', { type: 'ping' }));
      for (const piece of (block.text ?? '').split(/(?= )/)) events.push(event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
    } else {
      events.push(event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }));
      const json = JSON.stringify(block.input);
      events.push(event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } }));
      for (let i = 0; i < json.length; i += 8) events.push(event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 8) } }));
    }
    events.push(event('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }, usage: { output_tokens: usage.output_tokens } }));
  // A stalled stream's keep-alive is the recorded ping, as the real API sends while it is slow to start.
  writeSse(res, events, event('message_stop', { type: 'message_stop' }), fault, MID_STREAM_ERROR, event('ping', { type: 'ping' }));
}
