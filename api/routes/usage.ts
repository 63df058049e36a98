import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { USAGE_GROUPS, type UsageLedger, type UsageQuery } from '../../shared/usage/usage-ledger.js';
import { utcDay } from '../../shared/usage/usage-event.js';
import { requestKey } from '../middleware/virtual-key-auth.js';
import { zodToGatewayError } from '../zod-error.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, YYYY-MM-DD');
const querySchema = z
  .object({
    team: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    from: day.optional(),
    to: day.optional(),
    group_by: z.enum(USAGE_GROUPS).default('team'),
  })
  .strict();

/** Parses usage filters; the range defaults to the last 30 UTC days and may span at most 400. */
function parseQuery(raw: unknown): UsageQuery {
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) throw zodToGatewayError(parsed.error);
  const q = parsed.data;
  const to = q.to ?? utcDay(Date.now());
  const from = q.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000);
  if (from > to) throw new GatewayError('invalid_request', "'from' must not be after 'to'.", { param: 'from' });
  if (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`) > 399 * 86_400_000) throw new GatewayError('invalid_request', 'The range may span at most 400 days.', { param: 'from' });
  return { team: q.team, key: q.key, model: q.model, from, to, groupBy: q.group_by };
}

/**
 * `GET /admin/usage` (every team, admin key), `GET /admin/usage/export?format=ndjson|csv&team=`
 * (the raw events), and `GET /v1/usage` (a key reads its own team's usage).
 */
export function usageRouter(ledger: UsageLedger): Router {
  const router = Router();

  router.get('/admin/usage', async (req: Request, res: Response) => {
    res.json({ object: 'list', data: await ledger.query(parseQuery(req.query)) });
  });

  router.get('/admin/usage/export', async (req: Request, res: Response) => {
    const { format = 'ndjson', ...rest } = req.query as Record<string, string>;
    if (format !== 'ndjson' && format !== 'csv') throw new GatewayError('invalid_request', "'format' must be ndjson or csv.", { param: 'format' });
    const query = parseQuery({ ...rest, group_by: 'day' });
    const fromMs = Date.parse(`${query.from}T00:00:00Z`);
    const toMs = Date.parse(`${query.to}T23:59:59.999Z`);
    const teams = query.team ? [query.team] : await ledger.teams();
    res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    if (format === 'csv') res.write(`${CSV_COLUMNS.join(',')}\n`);
    for (const team of teams) {
      for await (const event of ledger.events(team, fromMs, toMs)) {
        res.write(format === 'csv' ? `${CSV_COLUMNS.map((c) => csvCell(event[c])).join(',')}\n` : `${JSON.stringify(event)}\n`);
      }
    }
    res.end();
  });

  router.get('/v1/usage', async (req: Request, res: Response) => {
    const { team: _ignored, ...rest } = req.query as Record<string, string>;
    res.json({ object: 'list', data: await ledger.query(parseQuery({ ...rest, team: requestKey(res).team })) });
  });

  return router;
}

const CSV_COLUMNS = ['eventId', 'at', 'team', 'keyId', 'model', 'deployment', 'vendorModel', 'promptTokens', 'completionTokens', 'cachedTokens', 'reasoningTokens', 'costMicros', 'cacheHit', 'savedMicros', 'savedTokens'] as const;

function csvCell(value: unknown): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
