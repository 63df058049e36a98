import { headersToRecord } from '../../shared/providers/retry-after.js';
import type { VendorFailure } from '../../shared/providers/translator.js';

/**
 * Extracts what the pure classifiers need from an SDK error. `body` is the SDK's parsed `error`
 * field as it is (openai: the inner `{message, type, param, code}`; anthropic: the whole body
 * `{type: 'error', error}`), or the JSON found in the message (genai puts the body there).
 */
export function sdkFailure(err: unknown): VendorFailure {
  const e = err as { status?: unknown; headers?: unknown; error?: unknown; message?: unknown; name?: unknown; cause?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const name = typeof e?.name === 'string' ? e.name : '';
  if (typeof e?.status === 'number' && e.status > 0) {
    return { kind: 'http', status: e.status, headers: headersToRecord(e.headers), body: e.error !== undefined ? e.error : parseJson(message) };
  }
  if (name === 'APIConnectionTimeoutError' || /timed? ?out/i.test(message)) return { kind: 'timeout', message: 'The provider timed out' };
  if (name === 'APIUserAbortError' || name === 'AbortError') return { kind: 'aborted', message: 'The request was aborted' };
  if (err instanceof SyntaxError || /JSON|Unexpected token|Unexpected end/i.test(message)) return { kind: 'malformed', message: 'The provider returned a malformed body' };
  return { kind: 'connection', message: 'Could not connect to the provider' };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
