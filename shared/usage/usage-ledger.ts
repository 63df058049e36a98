import { LuaScript, type RedisLike } from '../rate-limit/lua-script.js';
import { RECORD_SCRIPT } from './usage-scripts.js';
import { USAGE_METRICS, utcDay, type UsageEvent, type UsageMetric } from './usage-event.js';
import { usageConfigSchema, type UsageConfig } from './usage-config.js';
import { pipelinePerKey } from '../redis/pipeline-per-key.js';

export const USAGE_GROUPS = ['team', 'key', 'model', 'deployment', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageQuery {
  team?: string;
  key?: string;
  model?: string;
  /** Inclusive UTC days, `YYYY-MM-DD`. */
  from: string;
  to: string;
  groupBy: UsageGroup;
}

/** One row of `GET /admin/usage` / `GET /v1/usage` (`{object: "list", data: UsageRow[]}`). */
export interface UsageRow {
  team?: string;
  key?: string;
  model?: string;
  deployment?: string;
  day?: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  cache_hits: number;
  saved_usd: number;
  /** Tokens that cache hits did not spend again. */
  saved_tokens: number;
}

const recordScript = new LuaScript(RECORD_SCRIPT);

/**
 * The usage ledger. Per team, one hash per UTC day whose fields are
 * `<keyId>|<model alias>|<deployment>|<metric>` (parts escaped: `%` → `%25`, `|` → `%7C`), so any
 * filter and grouping is one HGETALL per team-day; an append-only event stream per team for export;
 * and a set of teams. A team's keys share the hash tag `{<team>}`: recording is one atomic script (one
 * round trip) on Redis Cluster too, and records each event id once, so a replayed attempt is not
 * charged twice.
 *
 * Trade-off of the tagging: everything is per team, so a global view (all teams by model or
 * deployment) reads teams × days hashes in one pipeline instead of one global hash per day. We chose
 * that over a second, global aggregate written by a second script: a second write per event could be
 * lost between the two calls (a crash), making the views disagree, and global hashes would be hot keys
 * every event of every team contends on. Key contract: `<p>:usage:{<team>}:seen:<event id>` (string,
 * TTL `dedupeTtlDays`), `<p>:usage:{<team>}:day:<YYYY-MM-DD>` (hash, TTL `retentionDays`),
 * `<p>:usage:{<team>}:events` (stream, field `e` = the event JSON, MAXLEN ~ `streamMaxLength`),
 * `<p>:usage:teams` (set).
 */
export class UsageLedger {
  private readonly options: UsageConfig;
  /** Teams this process has already added to the team set (it only ever grows): one SADD per team, not per event. */
  private readonly knownTeams = new Set<string>();

  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
    options: Partial<UsageConfig> = {},
  ) {
    this.options = usageConfigSchema.parse(options);
  }

  private key(team: string, rest: string): string {
    return `${this.prefix}:usage:{${team}}:${rest}`;
  }

  /** Records an event (idempotent by `eventId`); resolves true when it was new. */
  async record(event: UsageEvent): Promise<boolean> {
    const values: Record<UsageMetric, number> = {
      requests: event.cacheHit ? 0 : 1,
      prompt_tokens: event.promptTokens,
      completion_tokens: event.completionTokens,
      cached_tokens: event.cachedTokens,
      reasoning_tokens: event.reasoningTokens,
      cost_micros: event.costMicros,
      cache_hits: event.cacheHit ? 1 : 0,
      saved_micros: event.savedMicros,
      saved_tokens: event.savedTokens ?? 0,
    };
    const keys = [this.key(event.team, `seen:${event.eventId}`), this.key(event.team, `day:${utcDay(event.at)}`), this.key(event.team, 'events')];
    const argv = [
      String(this.options.dedupeTtlDays * 86_400),
      String(this.options.retentionDays * 86_400),
      `${[event.keyId, event.model, event.deployment].map(escapePart).join('|')}|`,
      ...USAGE_METRICS.map((m) => String(Math.round(values[m]))),
      JSON.stringify(event),
      String(this.options.streamMaxLength),
    ];
    const [recorded] = await Promise.all([recordScript.run(this.redis, keys, argv), this.rememberTeam(event.team)]);
    return recorded === 1;
  }

  /** Totals grouped as asked, over the inclusive day range, for one team or all. */
  async query(query: UsageQuery): Promise<UsageRow[]> {
    const teams = query.team ? [query.team] : await this.teams();
    const days = dayRange(query.from, query.to);
    // One pipeline on one node; per key on a cluster (each team's hashes have the team's slot).
    const dayKeys = teams.flatMap((team) => days.map((day) => this.key(team, `day:${day}`)));
    const replies = await pipelinePerKey(this.redis, dayKeys, (pipeline, key) => pipeline.hgetall(key));
    const rows = new Map<string, UsageRow>();
    let i = 0;
    for (const team of teams) {
      for (const day of days) {
        const hash = (replies[i++]?.[1] ?? {}) as Record<string, string>;
        for (const [field, value] of Object.entries(hash)) {
          const [key, model, deployment, metric] = field.split('|').map(unescapePart) as [string, string, string, UsageMetric];
          if ((query.key && key !== query.key) || (query.model && model !== query.model)) continue;
          const group = { team, key, model, deployment, day }[query.groupBy];
          let row = rows.get(group);
          if (!row) rows.set(group, (row = emptyRow(query.groupBy, group)));
          addMetric(row, metric, Number(value));
        }
      }
    }
    return [...rows.values()].sort((a, b) => b.cost_usd - a.cost_usd || String(a[query.groupBy]).localeCompare(String(b[query.groupBy])));
  }

  /** The raw events of a team recorded between two epoch-ms times, oldest first, in pages (for export). */
  async *events(team: string, fromMs: number, toMs: number): AsyncGenerator<UsageEvent> {
    let start = String(fromMs);
    for (;;) {
      const page = await this.redis.xrange(this.key(team, 'events'), start, String(toMs), 'COUNT', 500);
      for (const [, fields] of page) yield JSON.parse(fields[1]!) as UsageEvent;
      if (page.length < 500) return;
      start = `(${page.at(-1)![0]}`;
    }
  }

  private async rememberTeam(team: string): Promise<void> {
    if (this.knownTeams.has(team)) return;
    await this.redis.sadd(`${this.prefix}:usage:teams`, team);
    this.knownTeams.add(team);
  }

  teams(): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}:usage:teams`);
  }
}

function escapePart(part: string): string {
  return part.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

function unescapePart(part: string): string {
  return part.replace(/%7C/g, '|').replace(/%25/g, '%');
}

function emptyRow(groupBy: UsageGroup, value: string): UsageRow {
  return { [groupBy]: value, requests: 0, prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost_usd: 0, cache_hits: 0, saved_usd: 0, saved_tokens: 0 };
}

function addMetric(row: UsageRow, metric: UsageMetric, value: number): void {
  // Micro-dollars are summed as integers and converted once per addition; round6 drops float noise.
  if (metric === 'cost_micros') row.cost_usd = round6(row.cost_usd + value / 1e6);
  else if (metric === 'saved_micros') row.saved_usd = round6(row.saved_usd + value / 1e6);
  else row[metric] += value;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** Every UTC day from `from` to `to`, inclusive (at most 400). */
export function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 400; t += 86_400_000) days.push(utcDay(t));
  return days;
}
