import { z } from 'zod';

const MIB = 1024 * 1024;

/** Where uploaded and produced files are kept. One schema owns each default. */
export const fileStorageConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('local'),
      /** Directory for file contents (created when missing); relative paths start at the working directory. */
      directory: z.string().min(1).default('./data/files'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('s3'),
      /** Service endpoint: `https://s3.<region>.amazonaws.com`, or an S3-compatible server's URL. */
      endpoint: z.string().url(),
      bucket: z.string().min(3).max(63),
      region: z.string().min(1).default('us-east-1'),
      accessKeyId: z.string().min(1),
      /** Never logged. */
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
      /** Prepended to every object key, e.g. `switchyard/`. */
      keyPrefix: z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'segments of A-Z a-z 0-9 . _ - each ending in /').default(''),
      /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need; false for virtual-hosted style. */
      forcePathStyle: z.boolean().default(true),
      /** Multipart part size; S3 refuses parts under 5 MiB (but the last). Memory per upload is one part. */
      partSizeBytes: z.number().int().min(5 * MIB).max(512 * MIB).default(8 * MIB),
      /** Bound on each S3 request until its response headers arrive. */
      timeoutMs: z.number().int().positive().default(30_000),
    })
    .strict(),
]);
export type FileStorageConfig = z.infer<typeof fileStorageConfigSchema>;
