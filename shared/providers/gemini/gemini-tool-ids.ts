import { createHash } from 'node:crypto';
import type { ResponseContext } from '../translator.js';

/** Separates a tool call id from the thought signature it carries. Never produced by the hex digest. */
const SIGNATURE_MARK = '_ts_';

/**
 * The OpenAI tool call id for a Gemini function call. Gemini gives calls no ids (and matches
 * responses by name and order), so we derive one: `call_<index>_<digest>`, where the digest covers
 * our completion id (stable across attempts of one job), the candidate, the call's position and its
 * name: the same response always yields the same ids, and streamed and unary results agree.
 *
 * Gemini 3 models also return a `thoughtSignature` with function calls and refuse the next turn if
 * it does not come back with them. OpenAI's format has nowhere else to keep it, so it rides in the
 * id, base64url-encoded: `call_0_<digest>_ts_<signature>`. {@link thoughtSignatureOf} reads it back.
 */
export function geminiToolCallId(
  context: ResponseContext,
  candidateIndex: number,
  callIndex: number,
  call: { id?: string; name?: string },
  thoughtSignature: string | undefined,
): string {
  const digest = createHash('sha256').update(`${context.id}\n${candidateIndex}\n${callIndex}\n${call.name ?? ''}`).digest('hex').slice(0, 16);
  const base = call.id || `call_${callIndex}_${digest}`;
  return thoughtSignature ? `${base}${SIGNATURE_MARK}${toBase64Url(thoughtSignature)}` : base;
}

/** The thought signature a tool call id carries (standard base64, as Gemini sent it), if any. */
export function thoughtSignatureOf(toolCallId: string): string | undefined {
  const at = toolCallId.indexOf(SIGNATURE_MARK);
  if (at < 0) return undefined;
  const encoded = toolCallId.slice(at + SIGNATURE_MARK.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  const padded = encoded.replace(/-/g, '+').replace(/_/g, '/');
  return padded + '='.repeat((4 - (padded.length % 4)) % 4);
}

/** base64 → base64url without padding: ids stay within `[A-Za-z0-9_-]`, which every vendor accepts. */
function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
