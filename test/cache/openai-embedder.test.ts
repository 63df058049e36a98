import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIEmbedder } from '../../shared/cache/openai-embedder.js';

interface SeenRequest {
  model: string;
  input: string[];
  dimensions?: number;
  encoding_format?: string;
}

const seen: SeenRequest[] = [];
let dimensionsToReturn: number | undefined;
let server: Server;
let client: OpenAI;

/** A minimal /v1/embeddings: vector i of text t is [len(t), i+1, 0, ...], answered in reverse order. */
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const request = JSON.parse(body) as SeenRequest;
      seen.push(request);
      const size = dimensionsToReturn ?? request.dimensions ?? 1536;
      const data = request.input.map((text, index) => {
        const v = new Float32Array(size);
        v[0] = text.length;
        v[1] = index + 1;
        const embedding = request.encoding_format === 'base64' ? Buffer.from(v.buffer).toString('base64') : Array.from(v);
        return { object: 'embedding', index, embedding };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', model: request.model, data: data.reverse(), usage: { prompt_tokens: 1, total_tokens: 1 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('OpenAI embeddings embedder', () => {
  it('returns unit vectors in input order and batches concurrent calls into one request', async () => {
    seen.length = 0;
    dimensionsToReturn = undefined;
    const embedder = createOpenAIEmbedder({ client, model: 'text-embedding-3-small' });
    expect([embedder.id, embedder.dimensions]).toEqual(['openai-text-embedding-3-small', 1536]);
    const [first, second] = await Promise.all([embedder.embed(['abc']), embedder.embed(['abcdefgh', 'x'])]);
    // Both calls were made in the same tick: one request, inputs in call order.
    expect(seen.map((s) => s.input)).toEqual([['abc', 'abcdefgh', 'x']]);
    // The stand-in answers in reverse order; vector i is [length, i + 1] normalised.
    expect(Array.from(first?.[0]?.slice(0, 2) ?? [])).toEqual([3 / Math.sqrt(10), 1 / Math.sqrt(10)].map(Math.fround));
    expect(second?.[0]?.[0]).toBeCloseTo(8 / Math.sqrt(64 + 4), 5);
    expect(second?.[1]?.[0]).toBeCloseTo(1 / Math.sqrt(1 + 9), 5);
    expect(seen.every((s) => s.dimensions === undefined)).toBe(true);
  });

  it('asks the API to shorten vectors when configured with fewer dimensions', async () => {
    seen.length = 0;
    dimensionsToReturn = undefined;
    const embedder = createOpenAIEmbedder({ client, model: 'text-embedding-3-small', dimensions: 256 });
    const [v] = await embedder.embed(['hello']);
    expect(v?.length).toBe(256);
    expect(seen[0]?.dimensions).toBe(256);
  });

  it('rejects vectors of another length than configured', async () => {
    dimensionsToReturn = 8;
    const embedder = createOpenAIEmbedder({ client, model: 'text-embedding-3-small' });
    await expect(embedder.embed(['hello'])).rejects.toThrow(/8 dimensions, expected 1536/);
  });

  it('needs dimensions for a model it does not know', () => {
    expect(() => createOpenAIEmbedder({ client, model: 'my-embedder' })).toThrow(/dimensions are required/);
  });
});
