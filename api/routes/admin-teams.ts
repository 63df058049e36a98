import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { teamPolicySchema } from '../../shared/keys/key-policy.js';
import type { TeamPolicies } from '../../shared/keys/team-policies.js';
import type { Budgets } from '../../shared/usage/budgets.js';
import { parseWebhookUrl, resolveWebhookTarget } from '../../shared/webhooks/webhook-target.js';
import { zodToGatewayError } from '../zod-error.js';
import { graceBodySchema } from './grace-body.js';

export const teamName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'use 1-64 letters, digits, _ . or -');

/**
 * Team policies. `PUT /admin/teams/{team}` replaces the team's limits and `alert_webhook_url`; the
 * first PUT that sets an alert URL creates the team's alert signing secret and shows it once, as
 * `alert_webhook_secret`. `POST /admin/teams/{team}/rotate-alert-secret` replaces it (the old one
 * co-signs alerts during `grace_seconds`).
 */
export function adminTeamsRouter(teams: TeamPolicies, budgets: Budgets, config: Pick<SwitchyardConfig, 'keys' | 'webhooks'>): Router {
  const router = Router();

  router.put('/admin/teams/:team', async (req: Request, res: Response) => {
    const team = parseTeam(req.params.team);
    const parsed = teamPolicySchema.safeParse(req.body);
    if (!parsed.success) throw zodToGatewayError(parsed.error);
    if (parsed.data.alert_webhook_url) await checkAlertUrl(parsed.data.alert_webhook_url, config.webhooks.allowPrivate);
    await teams.set(team, parsed.data);
    const created = parsed.data.alert_webhook_url ? await teams.ensureAlertSecret(team) : null;
    res.json({ object: 'team', team, ...parsed.data, ...(created ? { alert_webhook_secret: created } : {}) });
  });

  router.post('/admin/teams/:team/rotate-alert-secret', async (req: Request, res: Response) => {
    const team = parseTeam(req.params.team);
    const body = graceBodySchema.safeParse(req.body ?? {});
    if (!body.success) throw zodToGatewayError(body.error);
    const graceSeconds = body.data.grace_seconds ?? config.keys.rotationGraceSeconds;
    const secret = await teams.rotateAlertSecret(team, graceSeconds);
    res.json({ object: 'team.alert_secret', team, alert_webhook_secret: secret, previous_secret_expires_at: graceSeconds > 0 ? Math.ceil(Date.now() / 1000) + graceSeconds : null });
  });

  router.get('/admin/teams/:team', async (req: Request, res: Response) => {
    const team = String(req.params.team);
    const policy = await teams.get(team);
    const spent = policy.budget_usd ? await budgets.state(team, 'team', policy.budget_period) : null;
    res.json({ object: 'team', team, ...policy, ...(spent ? { spent_usd: spent.spentUsd, reserved_usd: spent.reservedUsd } : {}) });
  });

  return router;
}

function parseTeam(value: unknown): string {
  const team = teamName.safeParse(value);
  if (!team.success) throw new GatewayError('invalid_request', 'Invalid team name.', { param: 'team' });
  return team.data;
}

/** The same checks as a job's `webhook.url` at submission; delivery checks again (DNS may change). */
async function checkAlertUrl(url: string, allowPrivate: boolean): Promise<void> {
  try {
    parseWebhookUrl(url);
    await resolveWebhookTarget(url, { allowPrivate });
  } catch (err) {
    throw new GatewayError('invalid_request', `Invalid 'alert_webhook_url': ${(err as Error).message}`, { param: 'alert_webhook_url' });
  }
}
