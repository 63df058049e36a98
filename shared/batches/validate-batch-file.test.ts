import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.js';
import { validateBatchFile } from './validate-batch-file.js';

const routing = parseConfig({
  deployments: { local: { provider: 'mock' }, claude: { provider: 'anthropic', apiKey: 'k' } },
  models: { mock: [{ deployment: 'local', model: 'mock-1' }], 'gpt-4o-mini': [{ deployment: 'local', model: 'mock-1' }], claude: [{ deployment: 'claude', model: 'claude-x' }] },
});
const limits = { maxLines: 5, maxLineBytes: 2000, maxFileBytes: 10_000 };
const fixtureLine = readFileSync(new URL('../../../shared/fixtures/openai/batch_input.jsonl', import.meta.url), 'utf8').trim();

const line = (customId: string, body: Record<string, unknown> = { model: 'mock', messages: [{ role: 'user', content: 'hi' }] }, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body, ...extra });

async function validate(text: string, overrides: Partial<typeof limits> = {}) {
  async function* source(): AsyncIterable<Uint8Array> {
    yield Buffer.from(text);
  }
  return validateBatchFile(source(), Buffer.byteLength(text), '/v1/chat/completions', routing, { ...limits, ...overrides });
}

describe('validateBatchFile', () => {
  it('accepts the recorded OpenAI input line and skips blank lines', async () => {
    expect(await validate(`${fixtureLine}\n\n${line('b')}\n`)).toEqual({ total: 2, errors: [] });
  });

  it.each<[string, string, { code: string; param: string | null }]>([
    ['malformed JSON', '{"custom_id": "x",', { code: 'invalid_json_line', param: null }],
    ['a missing custom_id', JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: {} }), { code: 'missing_required_parameter', param: 'custom_id' }],
    ['a GET', line('x', undefined, { method: 'GET' }), { code: 'invalid_request', param: 'method' }],
    ['another endpoint', line('x', undefined, { url: '/v1/embeddings' }), { code: 'invalid_url', param: 'url' }],
    ['an unknown envelope field', line('x', undefined, { extra: 1 }), { code: 'invalid_request', param: 'extra' }],
    ['an invalid message role', line('x', { model: 'mock', messages: [{ role: 'robot', content: 'x' }] }), { code: 'invalid_request', param: 'body.messages[0].role' }],
    ['an unknown body field', line('x', { model: 'mock', messages: [{ role: 'user', content: 'x' }], frobnicate: true }), { code: 'invalid_request', param: 'body.frobnicate' }],
    ['a streaming request', line('x', { model: 'mock', messages: [{ role: 'user', content: 'x' }], stream: true }), { code: 'invalid_request', param: 'body.stream' }],
    ['an unknown model', line('x', { model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }), { code: 'model_not_found', param: 'body.model' }],
    ['a request no target can take', line('x', { model: 'claude', messages: [{ role: 'user', content: 'x' }], n: 2 }), { code: 'unsupported_parameter', param: 'body.n' }],
  ])('names line 2 for %s', async (_name, bad, expected) => {
    const result = await validate(`${line('a')}\n${bad}\n${line('c')}\n`);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ ...expected, line: 2 });
    expect(result.errors[0]!.message).toMatch(/^Line 2: /);
  });

  it('reports a duplicate custom_id on the later line, naming the first', async () => {
    const result = await validate(`${line('a')}\n${line('b')}\n${line('a')}\n`);
    expect(result.errors).toEqual([{ code: 'duplicate_custom_id', message: "Line 3: custom_id 'a' is already used on line 1.", param: 'custom_id', line: 3 }]);
  });

  it('enforces the line-count, line-size and file-size limits', async () => {
    const six = Array.from({ length: 6 }, (_, i) => line(`r${i}`)).join('\n');
    expect((await validate(six)).errors).toEqual([expect.objectContaining({ code: 'too_many_requests', line: 6 })]);
    const long = `${line('a')}\n${line('b', { model: 'mock', messages: [{ role: 'user', content: 'x'.repeat(3000) }] })}\n`;
    expect((await validate(long)).errors).toEqual([expect.objectContaining({ code: 'line_too_large', line: 2 })]);
    expect((await validate(six, { maxFileBytes: 100 })).errors).toEqual([expect.objectContaining({ code: 'file_too_large', line: null })]);
  });

  it('reports every bad line, and an empty file', async () => {
    const result = await validate(`oops\n${line('a')}\n{}\n`);
    expect(result.errors.map((e) => e.line)).toEqual([1, 3]);
    expect((await validate('\n\n')).errors).toEqual([expect.objectContaining({ code: 'empty_file' })]);
  });
});
