import { z, type ZodError } from 'zod';
import { chatRequestSchema, type ChatRequest } from '../canonical/chat-request.js';
import type { RouteTarget, SwitchyardConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BatchError } from './batch-record.js';
import { planRoute } from './plan-route.js';

/** The endpoints a batch may target (Switchyard executes chat completions). */
export const BATCH_ENDPOINTS = ['/v1/chat/completions'] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

/** One line of an input file, as in fixtures/openai/batch_input.jsonl. */
const lineSchema = z
  .object({
    custom_id: z.string().min(1).max(512),
    method: z.literal('POST'),
    url: z.string(),
    body: z.record(z.string(), z.unknown()),
  })
  .strict();

export interface BatchLine {
  customId: string;
  request: ChatRequest;
  route: RouteTarget[];
}

/**
 * Parses and checks one input line: JSON, the line envelope, the endpoint, the chat request
 * (canonical schema, no streaming) and its route (JobSubmitter.plan semantics). Returns the line,
 * or the problem as a BatchError naming the line and the field (`body.messages[0].role`).
 */
export function parseBatchLine(text: string, lineNumber: number, endpoint: string, routing: Pick<SwitchyardConfig, 'models' | 'deployments'>): BatchLine | BatchError {
  const problem = (code: string, message: string, param: string | null = null): BatchError => ({ code, message: `Line ${lineNumber}: ${message}`, param, line: lineNumber });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return problem('invalid_json_line', 'This line is not valid JSON.');
  }
  const envelope = lineSchema.safeParse(json);
  if (!envelope.success) return zodProblem(envelope.error, json, '', problem);
  if (envelope.data.url !== endpoint) {
    return problem('invalid_url', `The url '${envelope.data.url}' does not match the batch's endpoint '${endpoint}'.`, 'url');
  }
  const request = chatRequestSchema.safeParse(envelope.data.body);
  if (!request.success) return zodProblem(request.error, envelope.data.body, 'body', problem);
  if (request.data.stream) return problem('invalid_request', 'Batch requests cannot stream; remove body.stream.', 'body.stream');
  try {
    return { customId: envelope.data.custom_id, request: request.data, route: planRoute(routing, request.data) };
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return problem(err.code, err.message, err.param ? `body.${err.param}` : 'body');
  }
}

export function isBatchError(value: BatchLine | BatchError): value is BatchError {
  return 'code' in value;
}

function zodProblem(error: ZodError, input: unknown, root: string, problem: (code: string, message: string, param: string | null) => BatchError): BatchError {
  const issue = error.issues[0];
  if (!issue) return problem('invalid_request', 'This line is not a valid request.', root || null);
  if (issue.code === 'unrecognized_keys') {
    const name = joinPath(root, [...issue.path, issue.keys[0] ?? '']);
    return problem('invalid_request', `Unrecognized request argument supplied: ${name}`, name);
  }
  const param = joinPath(root, issue.path);
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) return problem('missing_required_parameter', `Missing required parameter: '${param}'.`, param);
  return problem('invalid_request', param ? `Invalid '${param}': ${issue.message}` : issue.message, param || null);
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function joinPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
