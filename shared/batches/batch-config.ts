import { z } from 'zod';
import { fileStorageConfigSchema } from '../files/file-storage-config.js';

const MIB = 1024 * 1024;

/**
 * The Batch and Files API configuration (`batches:` in switchyard.yaml). One schema owns each
 * default; the lead's config schema embeds it as `batches: batchConfigSchema.prefault({})`.
 */
export const batchConfigSchema = z
  .object({
    /** Largest input file accepted, bytes (uploads past it are refused with 413). */
    maxFileBytes: z.number().int().positive().default(200 * MIB),
    /** Most request lines in one batch; a longer file fails validation naming the first extra line. */
    maxLines: z.number().int().positive().default(50_000),
    /** Longest single line, bytes; a longer one fails validation naming it. */
    maxLineBytes: z.number().int().positive().default(4 * MIB),
    /** Longest accepted `completion_window`, seconds (OpenAI accepts only 24h; Switchyard any `<n>m|h|d` up to this). */
    maxCompletionWindowSeconds: z.number().int().positive().default(7 * 24 * 3600),
    /**
     * Lines of one batch submitted and not yet finished at any time. Bounds the job records (with their
     * prompts) a batch keeps in Redis; the runner tops the window up as lines finish.
     */
    inFlightLines: z.number().int().min(1).max(100_000).default(2000),
    /** How often the runner visits each unfinished batch: expiry, refill, and writing finished lines out. */
    tickMs: z.number().int().positive().default(1000),
    /**
     * How often the runner re-reads the status of every in-flight line, as a safety net for completion
     * notices lost while no batch worker was subscribed.
     */
    sweepIntervalMs: z.number().int().positive().default(10_000),
    /** Finished lines buffered in Redis before they are written to storage as one segment, bytes. */
    flushBytes: z.number().int().min(1024).max(16 * MIB).default(256 * 1024),
    /**
     * How long a line's job record (its prompt and answer) stays in Redis once its output or error line
     * is written to file storage, seconds; 0 deletes it at once. Until then `GET /v1/jobs/{request_id}`
     * still answers for the line. Bounds what a finished batch keeps in Redis: its files hold the rest.
     */
    lineRecordTtlSeconds: z.number().int().min(0).default(300),
    /** Batch ticks run at once per worker process. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** How long an ended batch's record is kept, seconds (its output files stay until deleted). */
    retentionSeconds: z.number().int().positive().default(30 * 24 * 3600),
    storage: fileStorageConfigSchema.prefault({ kind: 'local' }),
  })
  .strict();
export type BatchConfig = z.infer<typeof batchConfigSchema>;
export type BatchConfigInput = z.input<typeof batchConfigSchema>;

/**
 * Seconds in a `completion_window`: `<n>m`, `<n>h` or `<n>d` (OpenAI's only value is `24h`).
 * Null when malformed.
 */
export function completionWindowSeconds(window: string): number | null {
  const match = /^([1-9][0-9]{0,5})([mhd])$/.exec(window);
  if (!match) return null;
  return Number(match[1]) * { m: 60, h: 3600, d: 86_400 }[match[2] as 'm' | 'h' | 'd'];
}
