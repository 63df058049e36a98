import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ChatRequest } from '../../shared/canonical/chat-request.js';
import type { ChatCompletion } from '../../shared/canonical/chat-response.js';
import { completionToChunks } from '../../shared/canonical/completion-to-chunks.js';
import type { CacheLookupResult, SemanticCache } from '../../shared/cache/semantic-cache.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { cacheContext, type CacheControls } from '../cache-controls.js';
import type { KeyRecord } from '../../shared/keys/key-store.js';
import type { UsageAccountant } from '../../shared/usage/usage-accountant.js';
import type { GatewayMetrics } from '../../shared/metrics/gateway-metrics.js';

/**
 * Looks a request up in the response cache and says so in `x-switchyard-cache`. A cache that
 * fails (Redis, embedder) answers `bypass`: the cache only ever saves work, it never fails a
 * request. `only-if-cached` with no entry is a 504 `not_cached`.
 */
export async function lookupCache(
  cache: SemanticCache | null,
  res: Response,
  controls: CacheControls,
  key: KeyRecord,
  request: ChatRequest,
  logger: Logger,
  accountant: UsageAccountant,
  metrics: GatewayMetrics,
): Promise<CacheLookupResult> {
  const team = key.team;
  let result: CacheLookupResult = { status: 'bypass', reason: 'disabled' };
  if (cache) {
    try {
      result = await cache.lookup(request, cacheContext(controls, team, request.model));
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'cache lookup failed; bypassing');
      result = { status: 'bypass', reason: 'error' };
    }
  }
  res.setHeader('x-switchyard-cache', result.status);
  metrics.cacheLookups.inc({ result: result.status });
  if (result.similarity !== undefined) res.setHeader('x-switchyard-cache-similarity', result.similarity.toFixed(4));
  if (result.response) {
    // A hit costs no vendor call; the ledger records it with what it saved.
    const hit = { eventId: `cache:${randomBytes(12).toString('hex')}`, team, keyId: key.id, model: request.model, response: result.response };
    void accountant.recordCacheHit(hit).catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'recording a cache hit failed'));
  }
  if (!result.response && controls.onlyIfCached) {
    throw new GatewayError('not_cached', 'No cached answer for this request (x-switchyard-cache: only-if-cached).');
  }
  return result;
}

/** A cached answer with a fresh id and time, as JSON or, for `stream: true`, as an SSE replay. */
export function sendCachedCompletion(res: Response, cached: Record<string, unknown>, request: ChatRequest): void {
  const completion = { ...(cached as unknown as ChatCompletion), id: `chatcmpl-cache-${randomBytes(12).toString('hex')}`, created: Math.floor(Date.now() / 1000) };
  if (!request.stream) {
    res.status(200).json(completion);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let body = '';
  for (const chunk of completionToChunks(completion)) body += `data: ${JSON.stringify(chunk)}\n\n`;
  if (request.stream_options?.include_usage && completion.usage) {
    body += `data: ${JSON.stringify({ id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model, choices: [], usage: completion.usage })}\n\n`;
  }
  res.end(`${body}data: [DONE]\n\n`);
}
