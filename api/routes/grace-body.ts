import { z } from 'zod';

/** The body of a rotation: how long the old secret stays valid; absent = `keys.rotationGraceSeconds`. */
export const graceBodySchema = z
  .object({
    /** Seconds, 0 to 90 days; 0 ends the old secret at once. */
    grace_seconds: z.number().int().min(0).max(90 * 86_400).optional(),
  })
  .strict();
