import { ERROR_SPECS, isErrorCode } from '../errors/error-codes.js';
import type { PublicJob } from '../jobs/job-record.js';
import type { OutputKind } from './batch-keys.js';
import type { EndReason } from './batch-record.js';
import type { LineUsage } from './batch-store.js';

/** The line written for one request, the file it goes to, and the tokens it spent. */
export interface OutputLine {
  kind: OutputKind;
  text: string;
  usage: LineUsage;
}

const NO_USAGE: LineUsage = { input: 0, output: 0, cached: 0, reasoning: 0 };

/** Why a line that never ran is in the error file, as OpenAI words it for expiry. */
const NOT_RUN: Readonly<Record<EndReason, { code: string; message: string }>> = {
  expired: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
  cancelled: { code: 'batch_cancelled', message: 'This request was not executed because the batch was cancelled.' },
};

function requestLineId(batchId: string, line: number): string {
  return `batch_req_${batchId.slice('batch_'.length)}_${line}`;
}

/** Every line this module writes is `JSON.stringify` of an object whose first field is `id`. */
const LINE_ID_PREFIX = /^\{"id":"batch_req_[0-9a-f]{24}_([1-9][0-9]*)"/;

/** The input line number an output or error line answers (from its leading `id`); null if it has none. */
export function inputLineOf(text: string): number | null {
  const match = LINE_ID_PREFIX.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * The output or error line of a finished line job, in the shapes of fixtures/openai/batch_output.jsonl
 * and batch_error_ASSEMBLED.jsonl: a success is `{id, custom_id, response: {status_code: 200,
 * request_id, body: <chat.completion>}, error: null}` in the output file; a failure carries the
 * error body and its HTTP status in the error file; a cancelled job (the batch stopped before it ran,
 * or its owner cancelled it) has `response: null` and an `error` naming why. `request_id` is the
 * Switchyard job id, which `GET /v1/jobs/{id}` answers with every attempt.
 */
export function outputLine(batchId: string, line: number, job: PublicJob, endReason: EndReason | null): OutputLine {
  const id = requestLineId(batchId, line);
  const customId = job.metadata.custom_id ?? '';
  if (job.status === 'succeeded' && job.result) {
    const usage = job.result.usage;
    return {
      kind: 'out',
      text: JSON.stringify({ id, custom_id: customId, response: { status_code: 200, request_id: job.id, body: job.result }, error: null }),
      usage: usage
        ? {
            input: usage.prompt_tokens,
            output: usage.completion_tokens,
            cached: usage.prompt_tokens_details?.cached_tokens ?? 0,
            reasoning: usage.completion_tokens_details?.reasoning_tokens ?? 0,
          }
        : NO_USAGE,
    };
  }
  if (job.status === 'cancelled') {
    const why = endReason ? NOT_RUN[endReason] : { code: 'cancelled', message: job.error?.message ?? 'The request was cancelled.' };
    return { kind: 'err', text: JSON.stringify({ id, custom_id: customId, response: null, error: why }), usage: NO_USAGE };
  }
  const error = job.error ?? { message: `The request ended as ${job.status}.`, type: 'server_error' as const, param: null, code: 'internal' as const };
  const status = isErrorCode(error.code) ? ERROR_SPECS[error.code].status : 500;
  return {
    kind: 'err',
    text: JSON.stringify({ id, custom_id: customId, response: { status_code: status, request_id: job.id, body: { error } }, error: null }),
    usage: NO_USAGE,
  };
}

/** The error line of a request that was never submitted because the batch stopped first. */
export function notRunLine(batchId: string, line: number, customId: string, endReason: EndReason): string {
  return JSON.stringify({ id: requestLineId(batchId, line), custom_id: customId, response: null, error: NOT_RUN[endReason] });
}

/**
 * The error line of a request refused before it ran (it stopped being valid between validation and
 * submission, e.g. its model was removed from the config): shaped like a failed response.
 */
export function failedLine(batchId: string, line: number, customId: string, problem: { code: string; message: string; param: string | null }): string {
  const status = isErrorCode(problem.code) ? ERROR_SPECS[problem.code].status : 400;
  const type = isErrorCode(problem.code) ? ERROR_SPECS[problem.code].type : 'invalid_request_error';
  const error = { message: problem.message, type, param: problem.param, code: problem.code };
  return JSON.stringify({ id: requestLineId(batchId, line), custom_id: customId, response: { status_code: status, request_id: null, body: { error } }, error: null });
}
