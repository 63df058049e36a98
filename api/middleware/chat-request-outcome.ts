import type { Response } from 'express';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';
import type { KeyRecord } from '../../shared/keys/key-store.js';

/** Outcomes of `switchyard_chat_requests_total`, once per request. */
export const CHAT_OUTCOMES = ['queued', 'cache_hit', 'rate_limited', 'budget_exceeded', 'rejected'] as const;
export type ChatOutcome = (typeof CHAT_OUTCOMES)[number];

/**
 * Counts a chat request's outcome once (later calls for the same response are ignored): `queued`
 * when admission let it into a queue, `cache_hit`, the admission refusals `rate_limited` and
 * `budget_exceeded`, or `rejected` (see `countRejectedOnFinish`).
 */
export function countChatRequest(metrics: GatewayMetrics | undefined, res: Response, model: string, team: string, outcome: ChatOutcome): void {
  if (!metrics || res.locals.chatOutcome) return;
  res.locals.chatOutcome = outcome;
  metrics.chatRequests.inc({ model, team, outcome });
}

/**
 * Counts the request as `rejected` when it ends with an error status before any other outcome was
 * counted (a bad body, a model the key may not use, an unroutable request). The model label is
 * `unknown` there: a rejected body's model is whatever the client sent, and labels must stay few.
 */
export function countRejectedOnFinish(metrics: GatewayMetrics, res: Response): void {
  res.on('finish', () => {
    if (res.statusCode < 400) return;
    const key = res.locals.key as KeyRecord | undefined;
    countChatRequest(metrics, res, 'unknown', key?.team ?? 'unknown', 'rejected');
  });
}
