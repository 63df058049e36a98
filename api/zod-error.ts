import type { ZodError } from 'zod';
import { GatewayError } from '../shared/errors/gateway-error.js';

/**
 * A 400 naming the first invalid field the way OpenAI does (`messages[0].role`). Unknown top-level
 * fields get OpenAI's own wording.
 */
export function zodToGatewayError(error: ZodError, root = ''): GatewayError {
  const issue = error.issues[0];
  if (!issue) return new GatewayError('invalid_request', 'Invalid request body.');
  if (issue.code === 'unrecognized_keys') {
    const name = joinPath(root, [...issue.path, issue.keys[0] ?? '']);
    return new GatewayError('invalid_request', `Unrecognized request argument supplied: ${name}`, { param: name });
  }
  const param = joinPath(root, issue.path) || null;
  return new GatewayError('invalid_request', param ? `Invalid '${param}': ${issue.message}` : issue.message, { param });
}

function joinPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
