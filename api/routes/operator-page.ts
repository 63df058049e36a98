import { Router, type Request, type Response } from 'express';
import type { UsageLedger, UsageRow } from '../../shared/usage/usage-ledger.js';
import { utcDay } from '../../shared/usage/usage-event.js';
import { barChart, escapeHtml, stackedDailyChart } from './operator-charts.js';

/** What the page shows besides usage: read from Redis at request time by the entry point. */
export interface OperatorState {
  queues: Array<{ deployment: string; waiting: number; active: number; delayed: number; failed: number }>;
  circuits: Record<string, string>;
}

/**
 * `GET /admin` (admin key): the operator's page — spend per team over the last 14 days, top models
 * by cost, cache hit rate, queue depths and circuit states — as server-rendered SVG charts, so it
 * needs no script, no CDN and no network.
 */
export function operatorPageRouter(ledger: UsageLedger, state: () => Promise<OperatorState>): Router {
  const router = Router();
  router.get('/admin', async (_req: Request, res: Response) => {
    const to = utcDay(Date.now());
    const from = utcDay(Date.now() - 13 * 86_400_000);
    const [teams, models, days, now] = await Promise.all([
      ledger.query({ from, to, groupBy: 'team' }),
      ledger.query({ from, to, groupBy: 'model' }),
      perTeamDaily(ledger, from, to),
      state(),
    ]);
    const requests = teams.reduce((n, r) => n + r.requests, 0);
    const hits = teams.reduce((n, r) => n + r.cache_hits, 0);
    const hitRate = requests + hits === 0 ? 0 : hits / (requests + hits);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard — operations</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1f2933;background:#f7f9fb}
h1{font-size:20px} h2{font-size:15px;margin:0 0 8px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:16px}
.big{font-size:32px;font-weight:600} table{border-collapse:collapse;width:100%} td,th{padding:4px 8px;text-align:left;border-bottom:1px solid #eef1f4}
.open{color:#c62828;font-weight:600}.half_open{color:#ef6c00;font-weight:600}.closed{color:#2e7d32}
</style></head><body>
<h1>Switchyard — operations <small>(${escapeHtml(from)} to ${escapeHtml(to)}, UTC)</small></h1>
<div class="grid">
<section id="spend"><h2>Spend per team per day (USD)</h2>${stackedDailyChart(days, 'spend-chart')}</section>
<section id="models"><h2>Top models by cost (USD)</h2>${barChart(models.slice(0, 10).map((r) => ({ label: r.model ?? '', value: r.cost_usd })), 'models-chart')}</section>
<section id="cache"><h2>Cache hit rate</h2><div class="big" data-hit-rate="${hitRate.toFixed(4)}">${(hitRate * 100).toFixed(1)} %</div>
<p>${hits} hits, ${requests} vendor calls, ${teams.reduce((n, r) => n + r.saved_usd, 0).toFixed(4)} USD saved</p></section>
<section id="queues"><h2>Queue depths</h2>${barChart(now.queues.map((q) => ({ label: q.deployment, value: q.waiting + q.delayed })), 'queues-chart')}
<table><tr><th>deployment</th><th>waiting</th><th>active</th><th>delayed</th><th>failed</th><th>circuit</th></tr>
${now.queues.map((q) => `<tr><td>${escapeHtml(q.deployment)}</td><td>${q.waiting}</td><td>${q.active}</td><td>${q.delayed}</td><td>${q.failed}</td><td class="${escapeHtml(now.circuits[q.deployment] ?? 'closed')}">${escapeHtml(now.circuits[q.deployment] ?? 'closed')}</td></tr>`).join('\n')}
</table></section>
</div>
<p><a href="/admin/queues">Bull Board</a> · <a href="/admin/usage?group_by=team">usage JSON</a> · <a href="/metrics">metrics</a></p>
</body></html>`);
  });
  return router;
}

async function perTeamDaily(ledger: UsageLedger, from: string, to: string): Promise<Map<string, UsageRow[]>> {
  const teams = await ledger.teams();
  const rows = await Promise.all(teams.map((team) => ledger.query({ team, from, to, groupBy: 'day' })));
  return new Map(teams.map((team, i) => [team, rows[i]!]));
}
