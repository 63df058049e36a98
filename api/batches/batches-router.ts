import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { completionWindowSeconds, type BatchConfig } from '../../shared/batches/batch-config.js';
import { BATCH_ENDPOINTS } from '../../shared/batches/batch-line.js';
import type { BatchQueues } from '../../shared/batches/batch-queues.js';
import { newBatchHash } from '../../shared/batches/batch-record.js';
import { BatchStore } from '../../shared/batches/batch-store.js';
import { toPublicBatch } from '../../shared/batches/public-batch.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { FileStore } from '../../shared/files/file-store.js';
import { parseWebhookUrl, resolveWebhookTarget } from '../../shared/webhooks/webhook-target.js';
import { requestKey } from '../middleware/virtual-key-auth.js';
import { zodToGatewayError } from '../zod-error.js';
import { listBody, listQuery } from './list-query.js';
import type { SpentBudget } from '../../shared/usage/spent-budget.js';
import type { KeyRecord } from '../../shared/keys/key-store.js';

export interface BatchesRouteDeps {
  batches: BatchConfig;
  batchStore: BatchStore;
  files: FileStore;
  batchQueues: BatchQueues;
  allowPrivateWebhooks: boolean;
  /** The key's or its team's budget that is already spent, if any (shared/usage/spent-budget.ts). */
  spentBudget: (key: KeyRecord) => Promise<SpentBudget | null>;
}

const createSchema = z
  .object({
    input_file_id: z.string().min(1),
    endpoint: z.string().min(1),
    completion_window: z.string().min(1),
    // OpenAI's metadata limits: 16 pairs, keys up to 64 and values up to 512 characters.
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((m) => Object.keys(m).length <= 16, 'at most 16 pairs')
      .nullable()
      .optional(),
    /** Switchyard extension, as on `POST /v1/jobs`: a signed `batch.*` event when the batch ends. */
    webhook: z.object({ url: z.string().min(1) }).strict().nullable().optional(),
  })
  .strict();

/**
 * The OpenAI Batch API: `POST /v1/batches`, `GET /v1/batches/:id`, `POST /v1/batches/:id/cancel`
 * and `GET /v1/batches`. Creating a batch only records it and wakes the runner: validation, and
 * everything after, happens in the batch workers. A key sees only its own team's batches.
 */
export function batchesRouter(deps: BatchesRouteDeps): Router {
  const router = Router();
  router.use('/v1/batches', express.json({ limit: '1mb', type: () => true }));

  router.post('/v1/batches', async (req: Request, res: Response) => {
    const key = requestKey(res);
    const parsed = createSchema.safeParse(req.body);
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    const body = parsed.data;
    if (!(BATCH_ENDPOINTS as readonly string[]).includes(body.endpoint)) {
      throw new GatewayError('invalid_request', `Switchyard runs batches for ${BATCH_ENDPOINTS.join(', ')}; got '${body.endpoint}'.`, { param: 'endpoint' });
    }
    const windowSeconds = completionWindowSeconds(body.completion_window);
    if (windowSeconds === null || windowSeconds > deps.batches.maxCompletionWindowSeconds) {
      throw new GatewayError('invalid_request', `'completion_window' must be a duration like '24h' (m, h or d) of at most ${deps.batches.maxCompletionWindowSeconds} seconds.`, { param: 'completion_window' });
    }
    const webhook = body.webhook ? await checkWebhook(body.webhook.url, deps.allowPrivateWebhooks) : null;
    // A spent budget would fail every line with budget_exceeded: refuse the batch itself instead.
    const spent = await deps.spentBudget(key);
    if (spent) {
      throw new GatewayError('budget_exceeded', `The ${spent.scope === 'team' ? "team's" : "key's"} budget of ${spent.limitUsd} USD for this period is spent (${spent.spentUsd.toFixed(6)} USD); the batch was not created.`);
    }
    const id = BatchStore.newId();
    const ref = await deps.files.addRef(body.input_file_id, key.team, id);
    if (ref === 'missing') throw new GatewayError('not_found', `No such File object: ${body.input_file_id}`, { param: 'input_file_id' });
    if (ref === 'purpose') throw new GatewayError('invalid_request', `File ${body.input_file_id} was not uploaded with purpose 'batch'.`, { param: 'input_file_id' });
    const hash = newBatchHash({
      id,
      team: key.team,
      keyId: key.id,
      endpoint: body.endpoint,
      inputFileId: body.input_file_id,
      completionWindow: body.completion_window,
      windowSeconds,
      createdAt: Math.floor(Date.now() / 1000),
      metadata: body.metadata ?? null,
      webhook,
      outputFileId: FileStore.newId(),
      errorFileId: FileStore.newId(),
    });
    await deps.batchStore.create(hash);
    await deps.batchQueues.scheduleTick(id, 0, 0);
    res.json(toPublicBatch((await deps.batchStore.get(id))!));
  });

  router.get('/v1/batches', async (req: Request, res: Response) => {
    const page = await deps.batchStore.list(requestKey(res).team, listQuery(req, { defaultLimit: 20, maxLimit: 100 }));
    res.json(listBody(page.items.map(toPublicBatch), page.hasMore));
  });

  router.get('/v1/batches/:id', async (req: Request, res: Response) => {
    res.json(toPublicBatch(await deps.batchStore.own(String(req.params.id), requestKey(res).team)));
  });

  router.post('/v1/batches/:id/cancel', async (req: Request, res: Response) => {
    const batch = await deps.batchStore.own(String(req.params.id), requestKey(res).team);
    const { moved, previous } = await deps.batchStore.transition(batch.id, ['validating', 'in_progress'], 'cancelling', 'cancelling_at', { end_reason: 'cancelled' });
    if (!moved && previous !== 'cancelling') throw new GatewayError('conflict', `Cannot cancel a batch with status '${previous}'.`, { param: 'batch_id' });
    if (moved) await deps.batchQueues.nudge(batch.id, Number((await deps.batchStore.field(batch.id, 'tick')) ?? 0));
    res.json(toPublicBatch((await deps.batchStore.get(batch.id))!));
  });

  return router;
}

async function checkWebhook(url: string, allowPrivate: boolean): Promise<{ url: string }> {
  try {
    parseWebhookUrl(url);
    await resolveWebhookTarget(url, { allowPrivate });
  } catch (err) {
    throw new GatewayError('invalid_request', `Invalid 'webhook.url': ${(err as Error).message}`, { param: 'webhook.url' });
  }
  return { url };
}
