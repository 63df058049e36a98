import { z } from 'zod';

/** `keys:` in the config: virtual key and signing secret rotation. */
export const keysConfigSchema = z
  .object({
    /**
     * Default grace period of a rotation (`POST /admin/keys/{id}/rotate`, `.../rotate-webhook-secret`,
     * `POST /admin/teams/{team}/rotate-alert-secret`) when the body names none: how long the old
     * secret still authenticates, or still co-signs webhooks. 0 ends the old secret at once.
     */
    rotationGraceSeconds: z.number().int().min(0).default(24 * 3600),
  })
  .strict();
export type KeysConfig = z.infer<typeof keysConfigSchema>;
