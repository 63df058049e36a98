import { readFileSync } from 'node:fs';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineJobId } from '../../shared/batches/line-job.js';
import { queuedJobTotal } from '../helpers/queue-counts.js';
import { testConfig } from '../helpers/test-gateway.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { chatLine, jsonl, startBatchHarness, type BatchHarness } from './batch-harness.js';
import { batchEnded, verifiesWith } from './webhook-wait.js';

const FIXTURES = new URL('../../../shared/fixtures/openai/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
const fixtureInput = readFileSync(new URL('batch_input.jsonl', FIXTURES), 'utf8').trim();
const fixtureOutput = jsonl(readFileSync(new URL('batch_output.jsonl', FIXTURES), 'utf8'))[0]!;

type BatchParams = OpenAI.BatchCreateParams & { webhook?: { url: string } };

describe('Batch API through the official SDK (mock provider)', () => {
  let harness: BatchHarness;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let key: { id: string; key: string; webhook_secret: string };
  let client: OpenAI;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    harness = await startBatchHarness(
      testConfig({
        deployments: { local: { provider: 'mock' } },
        // The recorded input line asks for gpt-4o-mini: served here by the mock deployment.
        models: { mock: [{ deployment: 'local', model: 'mock-1' }], 'gpt-4o-mini': [{ deployment: 'local', model: 'mock-1' }] },
      }),
      // A small flush threshold, so output files are written as several segments while lines finish.
      { batches: { flushBytes: 1024, maxLines: 100, maxFileBytes: 64 * 1024 } },
    );
    key = await harness.gateway.createKey('team-batch');
    client = harness.client(key.key);
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  const create = (inputFileId: string, extra: Partial<BatchParams> = {}) => {
    const params: BatchParams = { input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', webhook: { url: receiver.url }, ...extra };
    return client.batches.create(params);
  };

  it('runs a batch end to end: upload, create, webhook on completion, output file in the recorded shape', async () => {
    const lines = [fixtureInput, ...Array.from({ length: 40 }, (_, i) => JSON.stringify(chatLine(`request-${i + 2}`, `question ${i + 2}`)))];
    const file = await harness.upload(client, lines);
    expect(Object.keys(file)).toEqual(expect.arrayContaining(Object.keys(fixture('files_object.json'))));
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'input.jsonl', bytes: Buffer.byteLength(lines.join('\n') + '\n') });
    expect(await client.files.retrieve(file.id)).toEqual(file);

    const created = await create(file.id, { metadata: { customer_id: 'user_123456789', batch_description: 'Nightly eval job' } });
    expect(Object.keys(created).sort()).toEqual(Object.keys(fixture('batch_object_validating.json')).sort());
    expect(created).toMatchObject({ object: 'batch', status: 'validating', input_file_id: file.id, completion_window: '24h', output_file_id: null, request_counts: { total: 0, completed: 0, failed: 0 } });

    const { event, delivery } = await batchEnded(receiver, created.id);
    expect(event.type).toBe('batch.completed');
    expect(verifiesWith(key.webhook_secret, delivery)).toBe(true);
    expect(delivery.headers['webhook-id']).toBe(`msg_${created.id}`);

    const batch = await client.batches.retrieve(created.id);
    const completedShape = Object.keys(fixture('batch_object_completed.json')).filter((k) => k !== 'model');
    expect(Object.keys(batch).sort()).toEqual(completedShape.sort());
    expect(batch).toMatchObject({ status: 'completed', request_counts: { total: 41, completed: 41, failed: 0 }, error_file_id: null, metadata: { customer_id: 'user_123456789' } });
    expect(event.data).toEqual(batch);
    const t = batch as Required<typeof batch>;
    expect(t.created_at).toBeLessThanOrEqual(t.in_progress_at);
    expect(t.in_progress_at).toBeLessThanOrEqual(t.finalizing_at);
    expect(t.finalizing_at).toBeLessThanOrEqual(t.completed_at);
    expect(t.expires_at).toBe(t.created_at + 24 * 3600);

    const output = jsonl<typeof fixtureOutput>(await (await client.files.content(batch.output_file_id!)).text());
    expect(output).toHaveLength(41);
    expect(new Set(output.map((l) => l.custom_id))).toEqual(new Set(['request-1', ...Array.from({ length: 40 }, (_, i) => `request-${i + 2}`)]));
    for (const line of output) {
      expect(Object.keys(line)).toEqual(Object.keys(fixtureOutput));
      expect(Object.keys((line as { response: object }).response)).toEqual(Object.keys(fixtureOutput.response as object));
    }
    const first = output.find((l) => l.custom_id === 'request-1') as { id: string; response: { status_code: number; request_id: string; body: OpenAI.ChatCompletion }; error: null };
    expect(first.response.status_code).toBe(200);
    expect(first.response.body.choices[0]?.message.content).toBe('This is a mock response to: What is 2+2?');
    expect(first.error).toBeNull();
    // Usage is the sum of the lines'.
    const prompt = output.reduce((sum, l) => sum + ((l as { response: { body: OpenAI.ChatCompletion } }).response.body.usage?.prompt_tokens ?? 0), 0);
    expect(batch.usage?.input_tokens).toBe(prompt);

    // The output file is a file like any other, written in several segments as lines finished.
    const outputFile = await client.files.retrieve(batch.output_file_id!);
    expect(outputFile).toMatchObject({ purpose: 'batch_output', filename: `${batch.id}_output.jsonl` });
    expect(outputFile.bytes).toBe(Buffer.byteLength(output.map((l) => JSON.stringify(l)).join('\n') + '\n'));
    expect((await harness.files.get(outputFile.id))!.parts).toBeGreaterThan(1);

    // Each line ran as a job at batch priority, owned by the batch's team, with its custom_id.
    const job = await harness.jobs.get(first.response.request_id);
    expect(job).toMatchObject({ priority: 'batch', team: 'team-batch', keyId: key.id, metadata: { batch_id: batch.id, custom_id: 'request-1' } });
    expect(first.response.request_id).toBe(lineJobId(batch.id, 1));
  });

  it('lists files and batches newest first with cursor pagination', async () => {
    const files = [];
    for (const i of [0, 1, 2]) files.push(await harness.upload(client, [chatLine(`p${i}`, 'x')]));
    const batches = [];
    for (const file of files) batches.push(await create(file.id));
    const seen: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) seen.push(batch.id);
    expect(seen.slice(0, 3)).toEqual(batches.map((b) => b.id).reverse());
    const page = await client.files.list({ limit: 2, purpose: 'batch' });
    expect(page.data.map((f) => f.id)).toEqual([files[2]!.id, files[1]!.id]);
    expect(page.has_more).toBe(true);
    const asc = await client.files.list({ order: 'asc', purpose: 'batch_output' });
    expect(asc.data.every((f) => f.purpose === 'batch_output')).toBe(true);
    for (const batch of batches) await batchEnded(receiver, batch.id);
  });

  it("keeps one team's files and batches from another", async () => {
    const file = await harness.upload(client, [chatLine('mine', 'secret')]);
    const batch = await create(file.id);
    const other = harness.client((await harness.gateway.createKey('team-other')).key);
    for (const attempt of [() => other.files.retrieve(file.id), () => other.files.content(file.id), () => other.batches.retrieve(batch.id), () => other.batches.cancel(batch.id)]) {
      await expect(attempt()).rejects.toMatchObject({ status: 404 });
    }
    await expect(other.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
    expect((await other.batches.list()).data).toEqual([]);
    await batchEnded(receiver, batch.id);
  });

  it('fails a file with bad lines in validating, naming each line, and enqueues nothing', async () => {
    const before = await queuedJobTotal(harness.gateway.config, 'local');
    const file = await harness.upload(client, [
      chatLine('ok-1', 'fine'),
      '{"custom_id": "broken", "method": "POST"',
      chatLine('ok-3', 'fine'),
      chatLine('ok-1', 'duplicate id'),
      chatLine('unknown', 'which model?', 'gpt-9'),
      { ...chatLine('wrong-url', 'x'), url: '/v1/embeddings' },
    ]);
    const created = await create(file.id);
    const { event } = await batchEnded(receiver, created.id);
    expect(event.type).toBe('batch.failed');
    const batch = await client.batches.retrieve(created.id);
    expect(batch.status).toBe('failed');
    expect(batch.failed_at).toBeGreaterThan(0);
    expect(batch.in_progress_at).toBeNull();
    expect(batch.output_file_id).toBeNull();
    expect(batch.errors?.object).toBe('list');
    expect(batch.errors?.data?.map((e) => [e.line, e.code])).toEqual([
      [2, 'invalid_json_line'],
      [4, 'duplicate_custom_id'],
      [5, 'model_not_found'],
      [6, 'invalid_url'],
    ]);
    expect(batch.errors?.data?.[2]).toMatchObject({ param: 'body.model', message: expect.stringContaining('gpt-9') });
    expect(await queuedJobTotal(harness.gateway.config, 'local')).toBe(before);
    for (const line of [1, 3]) expect(await harness.jobs.get(lineJobId(batch.id, line))).toBeNull();
    // The input file is free again once the batch has ended.
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
  });

  it("holds each line to the creating key's allowed models", async () => {
    const res = await harness.gateway.admin('/admin/keys', { method: 'POST', body: JSON.stringify({ team: 'team-batch', models: ['mock'] }) });
    const restricted = harness.client(((await res.json()) as { key: string }).key);
    const file = await harness.upload(restricted, [chatLine('ok', 'x'), chatLine('pricey', 'x', 'gpt-4o-mini')]);
    const created = await restricted.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', webhook: { url: receiver.url } } as BatchParams);
    const { event } = await batchEnded(receiver, created.id);
    expect(event.type).toBe('batch.failed');
    expect(event.data.errors?.data).toEqual([expect.objectContaining({ code: 'permission_denied', line: 2, param: 'body.model' })]);
  });

  it('enforces the configured limits on lines and file size', async () => {
    const tooMany = await harness.upload(client, Array.from({ length: 101 }, (_, i) => chatLine(`n${i}`, 'x')));
    const created = await create(tooMany.id);
    await batchEnded(receiver, created.id);
    const batch = await client.batches.retrieve(created.id);
    expect(batch.errors?.data).toEqual([expect.objectContaining({ code: 'too_many_requests', line: 101 })]);

    const big = Buffer.alloc(65 * 1024, 'x');
    await expect(client.files.create({ file: await toFile(big, 'big.jsonl'), purpose: 'batch' })).rejects.toMatchObject({ status: 413 });
  });

  it('refuses bad requests with OpenAI errors and changes nothing', async () => {
    const file = await harness.upload(client, [chatLine('a', 'x')]);
    await expect(client.files.create({ file: await toFile(Buffer.from('{}\n'), 'a.jsonl'), purpose: 'fine-tune' })).rejects.toMatchObject({ status: 400, param: 'purpose' });
    await expect(create(file.id, { endpoint: '/v1/embeddings' })).rejects.toMatchObject({ status: 400, param: 'endpoint' });
    await expect(create(file.id, { completion_window: 'soon' as '24h' })).rejects.toMatchObject({ status: 400, param: 'completion_window' });
    await expect(create('file-doesnotexist')).rejects.toMatchObject({ status: 404, param: 'input_file_id' });
    await expect(client.batches.retrieve('batch_000000000000000000000000')).rejects.toMatchObject({ status: 404 });
    const res = await fetch(`${harness.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(await fetch(`${harness.url}/v1/batches`)).toMatchObject({ status: 401 });
  });

  it('accepts the form fields in either order, and refuses a second file', async () => {
    const form = (parts: Array<[string, string | Blob]>) => {
      const data = new FormData();
      for (const [name, value] of parts) data.append(name, value, ...(typeof value === 'string' ? [] : ['in.jsonl']));
      return fetch(`${harness.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key.key}` }, body: data });
    };
    const blob = new Blob([`${JSON.stringify(chatLine('x', 'y'))}\n`]);
    const ok = await form([['purpose', 'batch'], ['file', blob]]);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as OpenAI.FileObject).bytes).toBe(blob.size);
    expect((await form([['purpose', 'assistants'], ['file', blob]])).status).toBe(400);
    const twice = await form([['file', blob], ['file', blob], ['purpose', 'batch']]);
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: { message: string } }).error.message).toContain("one 'file'");
  });
});
