import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { BatchStore } from '../../shared/batches/batch-store.js';
import { isEnded } from '../../shared/batches/batch-record.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { FileStore } from '../../shared/files/file-store.js';
import { toPublicFile } from '../../shared/files/file-record.js';
import { requestKey } from '../middleware/virtual-key-auth.js';
import { listBody, listQuery } from './list-query.js';
import { receiveUpload } from './multipart-upload.js';

export interface FilesRouteDeps {
  files: FileStore;
  batchStore: BatchStore;
  maxFileBytes: number;
}

/**
 * The OpenAI Files API for batch files: `POST /v1/files` (multipart, purpose `batch`), `GET /v1/files`,
 * `GET /v1/files/:id`, `GET /v1/files/:id/content` (streamed from storage) and `DELETE /v1/files/:id`
 * (409 while a running batch reads it). A key sees only its own team's files.
 */
export function filesRouter(deps: FilesRouteDeps): Router {
  const router = Router();

  router.post('/v1/files', async (req: Request, res: Response) => {
    const record = await receiveUpload(req, res, deps.files, requestKey(res).team, deps.maxFileBytes);
    res.json(toPublicFile(record));
  });

  router.get('/v1/files', async (req: Request, res: Response) => {
    const query = listQuery(req, { defaultLimit: 10_000, maxLimit: 10_000 }, ['purpose']);
    const page = await deps.files.list(requestKey(res).team, query, query.extra.purpose);
    res.json(listBody(page.items.map(toPublicFile), page.hasMore));
  });

  router.get('/v1/files/:id', async (req: Request, res: Response) => {
    res.json(toPublicFile(await deps.files.own(String(req.params.id), requestKey(res).team)));
  });

  router.get('/v1/files/:id/content', async (req: Request, res: Response) => {
    const record = await deps.files.own(String(req.params.id), requestKey(res).team);
    const content = await deps.files.open(record);
    res.status(200);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(record.bytes));
    res.setHeader('content-disposition', `attachment; filename="${record.filename.replace(/["\\\r\n]/g, '_')}"`);
    // Headers are out once bytes flow: a storage failure mid-way can only cut the response short.
    await pipeline(content, res).catch((err: unknown) => {
      res.destroy(err as Error);
    });
  });

  router.delete('/v1/files/:id', async (req: Request, res: Response) => {
    const record = await deps.files.own(String(req.params.id), requestKey(res).team);
    const outcome = await deps.files.delete(record, async (batchId) => {
      const batch = await deps.batchStore.get(batchId);
      return !batch || isEnded(batch.status);
    });
    if (outcome === 'in_use') throw new GatewayError('conflict', `File ${record.id} is the input of a batch that has not ended; cancel it or wait.`, { param: 'file_id' });
    if (outcome === 'missing') throw new GatewayError('not_found', `No such File object: ${record.id}`, { param: 'file_id' });
    res.json({ id: record.id, object: 'file', deleted: true });
  });

  return router;
}
