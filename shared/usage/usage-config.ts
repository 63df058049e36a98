import { z } from 'zod';

/**
 * The `usage:` config section: how long the usage ledger keeps what, and how long a budget hold
 * lasts. Add it to the config as `usage: usageConfigSchema.prefault({})`.
 */
export const usageConfigSchema = z
  .object({
    /** Approximate cap on each team's raw event stream (the export source); older events are trimmed. */
    streamMaxLength: z.number().int().positive().default(1_000_000),
    /** Days an event id is remembered, so a replayed attempt is not charged twice. */
    dedupeTtlDays: z.number().int().positive().default(30),
    /** Days a team's per-day aggregates are kept (queries further back return nothing). */
    retentionDays: z.number().int().positive().default(400),
    /** Minutes a budget hold lasts before the next admission releases it as orphaned (its holder died). */
    budgetHoldMinutes: z.number().int().positive().default(24 * 60),
  })
  .strict();
export type UsageConfig = z.infer<typeof usageConfigSchema>;
