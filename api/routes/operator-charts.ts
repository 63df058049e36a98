import type { UsageRow } from '../../shared/usage/usage-ledger.js';

const COLOURS = ['#1e88e5', '#43a047', '#fb8c00', '#8e24aa', '#e53935', '#00897b', '#6d4c41', '#3949ab'];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A horizontal bar chart as inline SVG; every bar is a `<rect class="bar">` with its value in `data-value`. */
export function barChart(items: Array<{ label: string; value: number }>, id: string): string {
  if (items.length === 0) return `<svg id="${id}" width="440" height="40"><text x="0" y="24" fill="#7b8794">no data yet</text></svg>`;
  const max = Math.max(...items.map((i) => i.value), 1e-9);
  const rows = items.map((item, i) => {
    const width = Math.max(1, (item.value / max) * 260);
    const y = i * 26;
    return `<text x="0" y="${y + 16}" font-size="12">${escapeHtml(item.label.slice(0, 22))}</text><rect class="bar" data-value="${item.value}" x="150" y="${y + 4}" width="${width.toFixed(1)}" height="16" fill="${COLOURS[i % COLOURS.length]}"/><text x="${(156 + width).toFixed(1)}" y="${y + 16}" font-size="11">${formatValue(item.value)}</text>`;
  });
  return `<svg id="${id}" width="460" height="${items.length * 26 + 4}" role="img">${rows.join('')}</svg>`;
}

/** Spend per day as stacked columns, one colour per team, with a legend. */
export function stackedDailyChart(perTeam: Map<string, UsageRow[]>, id: string): string {
  const days = [...new Set([...perTeam.values()].flatMap((rows) => rows.map((r) => r.day ?? '')))].sort();
  if (days.length === 0) return `<svg id="${id}" width="440" height="40"><text x="0" y="24" fill="#7b8794">no spend yet</text></svg>`;
  const teams = [...perTeam.keys()];
  const cost = (team: string, day: string): number => perTeam.get(team)?.find((r) => r.day === day)?.cost_usd ?? 0;
  const totals = days.map((day) => teams.reduce((sum, team) => sum + cost(team, day), 0));
  const max = Math.max(...totals, 1e-9);
  const height = 160;
  const column = Math.min(40, Math.floor(420 / days.length));
  const bars: string[] = [];
  days.forEach((day, d) => {
    let top = height;
    teams.forEach((team, t) => {
      const h = (cost(team, day) / max) * height;
      if (h <= 0) return;
      top -= h;
      bars.push(`<rect class="bar" data-team="${escapeHtml(team)}" data-day="${day}" data-value="${cost(team, day)}" x="${d * column + 30}" y="${top.toFixed(1)}" width="${column - 4}" height="${h.toFixed(1)}" fill="${COLOURS[t % COLOURS.length]}"/>`);
    });
    bars.push(`<text x="${d * column + 30}" y="${height + 14}" font-size="9">${day.slice(5)}</text>`);
  });
  const legend = teams.map((team, t) => `<rect x="${t * 110 + 30}" y="${height + 24}" width="10" height="10" fill="${COLOURS[t % COLOURS.length]}"/><text x="${t * 110 + 44}" y="${height + 33}" font-size="11">${escapeHtml(team.slice(0, 14))}</text>`);
  return `<svg id="${id}" width="460" height="${height + 40}" role="img"><text x="0" y="10" font-size="10">${formatValue(max)}</text>${bars.join('')}${legend.join('')}</svg>`;
}

function formatValue(value: number): string {
  if (value === 0) return '0';
  return value >= 1 ? value.toFixed(2) : value >= 0.01 ? value.toFixed(3) : value.toPrecision(2);
}
