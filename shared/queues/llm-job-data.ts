import { z } from 'zod';
import { PRIORITIES } from '../jobs/job-record.js';

/**
 * The payload of a BullMQ job on an `llm-<deployment>` queue: a pointer to the job record, never the
 * request itself (so no prompt or secret sits in Bull Board, and the record stays the one truth).
 * Jobs outlive deploys: the payload carries a version, and workers parse it again.
 */
export const llmJobDataSchema = z.object({
  v: z.literal(1),
  jobId: z.string().min(1),
  /** Which enqueue of the job this is; `<jobId>-<seq>` is the BullMQ job id. */
  seq: z.number().int().min(1),
  team: z.string(),
  model: z.string(),
  priority: z.enum(PRIORITIES),
  /** Epoch ms after which the job fails with deadline_exceeded; 0 for none. */
  deadlineAt: z.number().int().min(0),
  /** Estimated tokens (prompt + output allowance) to reserve from the deployment's TPM bucket. */
  tokens: z.number().int().min(0),
  /** Whether the job's route has a target after this one (absent in jobs queued before it existed: false). */
  hasNext: z.boolean().optional(),
});
export type LlmJobData = z.infer<typeof llmJobDataSchema>;
