import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PublicJob } from '../jobs/job-record.js';
import { failedLine, inputLineOf, notRunLine, outputLine } from './output-line.js';

const FIXTURES = new URL('../../../shared/fixtures/openai/', import.meta.url);
const lines = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const [recordedOutput] = lines('batch_output.jsonl') as [{ response: { body: PublicJob['result'] } }];
const [recordedFailure, recordedExpiry] = lines('batch_error_ASSEMBLED.jsonl') as [Record<string, unknown>, Record<string, unknown>];

const BATCH = 'batch_0123456789abcdef01234567';
const job = (over: Partial<PublicJob>): PublicJob => ({
  id: 'job_b0123456789abcdef01234567_2',
  object: 'job',
  status: 'succeeded',
  model: 'gpt-4o-mini',
  created_at: 1,
  started_at: 1,
  completed_at: 2,
  result: null,
  error: null,
  attempts: [],
  metadata: { batch_id: BATCH, custom_id: 'request-2' },
  ...over,
});

const shape = (value: unknown): unknown =>
  value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'body' ? '<body>' : shape(v)])) : typeof value;

describe('batch output lines', () => {
  it('writes a success in the recorded output-line shape, with the completion as the body', () => {
    const line = outputLine(BATCH, 2, job({ result: recordedOutput.response.body }), null);
    expect(line.kind).toBe('out');
    const parsed = JSON.parse(line.text) as typeof recordedOutput;
    expect(shape(parsed)).toEqual(shape(recordedOutput));
    expect(parsed).toMatchObject({ id: `batch_req_0123456789abcdef01234567_2`, custom_id: 'request-2', response: { status_code: 200, request_id: 'job_b0123456789abcdef01234567_2' }, error: null });
    expect(parsed.response.body).toEqual(recordedOutput.response.body);
    expect(line.usage).toEqual({ input: 24, output: 15, cached: 0, reasoning: 0 });
  });

  it('writes a failed request like the recorded error line: status code and error body', () => {
    const error = { message: 'max_tokens is too large', type: 'invalid_request_error' as const, param: 'max_tokens', code: 'invalid_request' as const };
    const line = outputLine(BATCH, 5, job({ status: 'failed', error }), null);
    expect(line.kind).toBe('err');
    const parsed = JSON.parse(line.text) as Record<string, unknown>;
    expect(shape(parsed)).toEqual(shape(recordedFailure));
    expect(parsed.response).toMatchObject({ status_code: 400, body: { error } });
    expect(JSON.parse(outputLine(BATCH, 5, job({ status: 'failed', error: { ...error, code: 'overloaded', type: 'server_error' } }), null).text).response.status_code).toBe(503);
  });

  it('writes lines the batch stopped before they ran like the recorded batch_expired line', () => {
    const expired = JSON.parse(notRunLine(BATCH, 6, 'request-6', 'expired')) as Record<string, unknown>;
    expect({ ...expired, id: recordedExpiry.id }).toEqual(recordedExpiry);
    const cancelledJob = JSON.parse(outputLine(BATCH, 6, job({ status: 'cancelled', metadata: { custom_id: 'request-6' } }), 'expired').text) as Record<string, unknown>;
    expect({ ...cancelledJob, id: recordedExpiry.id }).toEqual(recordedExpiry);
    expect(JSON.parse(notRunLine(BATCH, 6, 'request-6', 'cancelled')).error.code).toBe('batch_cancelled');
  });

  it('refuses a line invalid at submission time with a 4xx body', () => {
    const parsed = JSON.parse(failedLine(BATCH, 3, 'r3', { code: 'model_not_found', message: 'gone', param: 'body.model' }));
    expect(parsed.response).toEqual({ status_code: 404, request_id: null, body: { error: { message: 'gone', type: 'invalid_request_error', param: 'body.model', code: 'model_not_found' } } });
  });

  it('reads the input line number back from every kind of line it writes', () => {
    const done = outputLine(BATCH, 7, job({ result: recordedOutput.response.body }), null).text;
    const failed = outputLine(BATCH, 8, job({ status: 'failed', error: { message: 'x', type: 'server_error', param: null, code: 'internal' } }), null).text;
    expect([done, failed, notRunLine(BATCH, 9, 'c', 'expired'), failedLine(BATCH, 10, 'c', { code: 'budget_exceeded', message: 'spent', param: null })].map(inputLineOf)).toEqual([7, 8, 9, 10]);
    expect(inputLineOf(JSON.stringify({ custom_id: 'x', id: `batch_req_${BATCH.slice(6)}_3` }))).toBeNull();
  });
});
