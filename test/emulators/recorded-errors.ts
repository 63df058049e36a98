import { readFileSync } from 'node:fs';
import type { EmulatorFault } from './fault-plan.js';

interface RecordedCase {
  case: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const cache = new Map<string, RecordedCase[]>();

function cases(vendor: 'openai' | 'anthropic' | 'gemini'): RecordedCase[] {
  let list = cache.get(vendor);
  if (!list) {
    const url = new URL(`../../../shared/fixtures/${vendor}/errors.json`, import.meta.url);
    list = (JSON.parse(readFileSync(url, 'utf8')) as { cases: RecordedCase[] }).cases;
    cache.set(vendor, list);
  }
  return list;
}

/**
 * A recorded error response (fixtures/<vendor>/errors.json) as a fault: the first case with that
 * status and a body. Transport headers of the capture (length, encoding) are dropped.
 */
export function recordedErrorFault(vendor: 'openai' | 'anthropic' | 'gemini', status: number, extra: Partial<EmulatorFault> = {}): EmulatorFault {
  const recorded = cases(vendor).find((c) => c.status === status && c.body !== undefined);
  if (!recorded) throw new Error(`no recorded ${vendor} ${status} error`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(recorded.headers ?? {})) {
    if (!['content-length', 'content-type', 'connection', 'transfer-encoding', 'content-encoding'].includes(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  return { ...extra, status: recorded.status, body: recorded.body, headers: { ...headers, ...extra.headers } };
}
