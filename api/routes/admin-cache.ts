import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { SemanticCache } from '../../shared/cache/semantic-cache.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { zodToGatewayError } from '../zod-error.js';

const purgeSchema = z
  .object({ team: z.string().min(1).optional(), namespace: z.string().min(1).optional() })
  .strict()
  .refine((body) => body.team !== undefined || body.namespace !== undefined, { message: 'name a team or a namespace', path: ['team'] });

/** `POST /admin/cache/purge {team?, namespace?}`: removes every cached answer of a team or a shared namespace. */
export function adminCacheRouter(cache: SemanticCache | null): Router {
  const router = Router();
  router.post('/admin/cache/purge', async (req: Request, res: Response) => {
    const parsed = purgeSchema.safeParse(req.body);
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    if (!cache) throw new GatewayError('invalid_request', 'The response cache is disabled.');
    const removed = await cache.purge(parsed.data);
    res.json({ object: 'cache.purge', ...parsed.data, removed });
  });
  return router;
}
