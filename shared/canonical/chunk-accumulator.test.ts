import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from './chat-response.js';
import { ChunkAccumulator } from './chunk-accumulator.js';

function recordedChunks(name: string): ChatCompletionChunk[] {
  const text = readFileSync(new URL(`../../../shared/fixtures/openai/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && !line.includes('[DONE]'))
    .map((line) => JSON.parse(line.slice(6)) as ChatCompletionChunk);
}

describe('ChunkAccumulator', () => {
  it('folds a recorded text stream into the completion it amounts to, with its usage', () => {
    const acc = new ChunkAccumulator();
    const chunks = recordedChunks('chat_stream_json_schema_include_usage.recorded.sse');
    for (const chunk of chunks) acc.push(chunk);
    const result = acc.result('chatcmpl-x', 1);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(result.choices[0]?.message.content).toBe(text);
    expect(result.choices[0]?.finish_reason).toBe('stop');
    expect(result.usage?.total_tokens).toBe(chunks.at(-1)?.usage?.total_tokens);
    expect(acc.count).toBe(chunks.length);
  });

  it('reassembles parallel tool calls by index, with their ids, names and JSON arguments', () => {
    const acc = new ChunkAccumulator();
    for (const chunk of recordedChunks('chat_stream_parallel_tool_calls.recorded.sse')) acc.push(chunk);
    const message = acc.result('chatcmpl-x', 1).choices[0]!.message;
    expect(message.content).toBeNull();
    expect(message.tool_calls!.length).toBeGreaterThan(1);
    for (const call of message.tool_calls!) {
      expect(call.id).toMatch(/^call_/);
      expect(call.function.name.length).toBeGreaterThan(0);
      expect(() => JSON.parse(call.function.arguments)).not.toThrow();
    }
  });
});
