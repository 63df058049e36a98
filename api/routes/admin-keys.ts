import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { BUDGET_PERIODS, keyPolicySchema, type KeyPolicy } from '../../shared/keys/key-policy.js';
import { toPublicKey, type KeyStore } from '../../shared/keys/key-store.js';
import type { TeamPolicies } from '../../shared/keys/team-policies.js';
import type { Budgets } from '../../shared/usage/budgets.js';
import { zodToGatewayError } from '../zod-error.js';
import { adminTeamsRouter, teamName } from './admin-teams.js';
import { graceBodySchema } from './grace-body.js';

const createKeySchema = keyPolicySchema.extend({ team: teamName, name: z.string().max(128).optional() }).strict();

/** `PATCH /admin/keys/{id}`: each field absent = unchanged; a policy field set to null = cleared (unlimited). */
const updateKeySchema = z
  .object({
    enabled: z.boolean().optional(),
    name: z.string().max(128).optional(),
    models: keyPolicySchema.shape.models.unwrap().nullable().optional(),
    rpm: z.number().int().positive().nullable().optional(),
    tpm: z.number().int().positive().nullable().optional(),
    budget_usd: z.number().positive().nullable().optional(),
    budget_period: z.enum(BUDGET_PERIODS).optional(),
    expires_at: z.number().int().positive().nullable().optional(),
  })
  .strict();

/**
 * Admin key management; team policies are mounted from admin-teams.ts. Plaintext secrets (the key,
 * its webhook secret) are shown once: in the create response and in the response of the rotation
 * that made them. No other response carries a secret or a hash of one.
 */
export function adminKeysRouter(keyStore: KeyStore, teams: TeamPolicies, budgets: Budgets, config: Pick<SwitchyardConfig, 'keys' | 'webhooks'>): Router {
  const router = Router();
  const notFound = (id: string) => new GatewayError('not_found', `No key found with id '${id}'.`, { param: 'id' });
  const graceOf = (body: unknown): number => {
    const parsed = graceBodySchema.safeParse(body ?? {});
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    return parsed.data.grace_seconds ?? config.keys.rotationGraceSeconds;
  };

  router.post('/admin/keys', async (req: Request, res: Response) => {
    const parsed = createKeySchema.safeParse(req.body);
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    const { team, name, ...policy } = parsed.data;
    const { record, key } = await keyStore.create({ team, name, policy });
    res.status(201).json({ ...toPublicKey(record), key, webhook_secret: record.webhookSecret });
  });

  router.get('/admin/keys', async (_req: Request, res: Response) => {
    const records = await keyStore.list();
    res.json({ object: 'list', data: records.map(toPublicKey) });
  });

  router.get('/admin/keys/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const record = await keyStore.get(id);
    if (!record) throw notFound(id);
    res.json(toPublicKey(record));
  });

  router.patch('/admin/keys/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const parsed = updateKeySchema.safeParse(req.body);
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    const { enabled, name, ...policyChanges } = parsed.data;
    const current = await keyStore.get(id);
    if (!current || current.revokedAt !== null) throw notFound(id);
    const policy = Object.keys(policyChanges).length > 0 ? mergePolicy(current.policy, policyChanges) : undefined;
    const record = await keyStore.update(id, { enabled, name, policy });
    if (!record) throw notFound(id);
    res.json(toPublicKey(record));
  });

  router.post('/admin/keys/:id/rotate', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const rotated = await keyStore.rotate(id, graceOf(req.body));
    if (!rotated) throw notFound(id);
    res.json({ ...toPublicKey(rotated.record), key: rotated.key });
  });

  router.post('/admin/keys/:id/rotate-webhook-secret', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const rotated = await keyStore.rotateWebhookSecret(id, graceOf(req.body));
    if (!rotated) throw notFound(id);
    res.json({ ...toPublicKey(rotated.record), webhook_secret: rotated.webhookSecret });
  });

  router.delete('/admin/keys/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!(await keyStore.revoke(id))) throw notFound(id);
    res.json({ id, object: 'key.deleted', deleted: true });
  });

  router.use(adminTeamsRouter(teams, budgets, config));
  return router;
}

/** The policy after a PATCH: given fields replace, null ones are removed; checked again as a whole. */
function mergePolicy(current: KeyPolicy, changes: Record<string, unknown>): KeyPolicy {
  const merged: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(changes)) {
    if (value === null) delete merged[field];
    else if (value !== undefined) merged[field] = value;
  }
  const parsed = keyPolicySchema.safeParse(merged);
  if (!parsed.success) throw zodToGatewayError(parsed.error);
  return parsed.data;
}
