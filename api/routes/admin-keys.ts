import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { toPublicKey, type KeyStore } from '../../shared/keys/key-store.js';
import { zodToGatewayError } from '../zod-error.js';
import { keyPolicySchema, limitsSchema } from '../../shared/keys/key-policy.js';
import type { TeamPolicies } from '../../shared/keys/team-policies.js';
import type { Budgets } from '../../shared/usage/budgets.js';

const teamName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, _ . or -');
const createKeySchema = keyPolicySchema.extend({ team: teamName, name: z.string().max(128).optional() }).strict();

/** Admin key management. The plaintext key and webhook secret are shown once, in the create response. */
export function adminKeysRouter(keyStore: KeyStore, teams: TeamPolicies, budgets: Budgets): Router {
  const router = Router();

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

  router.delete('/admin/keys/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!(await keyStore.revoke(id))) throw new GatewayError('not_found', `No key found with id '${id}'.`, { param: 'id' });
    res.json({ id, object: 'key.deleted', deleted: true });
  });

  router.put('/admin/teams/:team', async (req: Request, res: Response) => {
    const team = teamName.safeParse(req.params.team);
    if (!team.success) throw new GatewayError('invalid_request', 'Invalid team name.', { param: 'team' });
    const parsed = limitsSchema.safeParse(req.body);
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    await teams.set(team.data, parsed.data);
    res.json({ object: 'team', team: team.data, ...parsed.data });
  });

  router.get('/admin/teams/:team', async (req: Request, res: Response) => {
    const team = String(req.params.team);
    const limits = await teams.get(team);
    const spent = limits.budget_usd ? await budgets.state(team, 'team', limits.budget_period) : null;
    res.json({ object: 'team', team, ...limits, ...(spent ? { spent_usd: spent.spentUsd, reserved_usd: spent.reservedUsd } : {}) });
  });

  return router;
}
