import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

/**
 * Bull Board at `/admin/queues` (mounted behind admin auth). Job data there is only ids and
 * counters by design: requests, results and secrets live in the job record, not in BullMQ.
 */
export function bullBoardRouter(queues: Queue[], basePath = '/admin/queues'): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
  return serverAdapter.getRouter() as Router;
}
