import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, TEST_ADMIN_KEY, type TestGateway } from '../helpers/test-gateway.js';
import { UsageLedger } from '../../shared/usage/usage-ledger.js';
import { decodePng, type Pixels } from '../helpers/decode-png.js';

const CHROMIUM = '/usr/bin/chromium';
// Without Chromium the browser test is skipped on a developer machine, but fails in CI (CI=true).
const REQUIRE_CHROMIUM = process.env.CI === 'true';

/** Share of pixels that differ from the image's most common colour, and the distinct colours (4-bit per channel). */
function inkAndColours({ rgba }: Pixels): { ink: number; colours: number } {
  const counts = new Map<number, number>();
  for (let i = 0; i < rgba.length; i += 4) {
    const colour = ((rgba[i]! >> 4) << 8) | ((rgba[i + 1]! >> 4) << 4) | (rgba[i + 2]! >> 4);
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  const total = rgba.length / 4;
  const background = Math.max(...counts.values());
  const colours = [...counts.values()].filter((n) => n >= total * 0.002).length;
  return { ink: (total - background) / total, colours };
}

describe('operator page at /admin', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway(testConfig());
    // Spend for two teams over three days, and a cache hit.
    const ledger = new UsageLedger(gateway.redis, gateway.config.redis.keyPrefix);
    const base = { keyId: 'k', deployment: 'openai-main', promptTokens: 1000, completionTokens: 500, cachedTokens: 0, reasoningTokens: 0, cacheHit: false, savedMicros: 0 };
    for (let d = 0; d < 3; d++) {
      const at = Date.now() - d * 86_400_000;
      await ledger.record({ ...base, eventId: `a${d}`, team: 'search', model: 'gpt-4o', vendorModel: 'gpt-4o', costMicros: 7500 * (d + 1), at });
      await ledger.record({ ...base, eventId: `b${d}`, team: 'support', model: 'claude', vendorModel: 'claude-sonnet-4-5', costMicros: 10_500, at });
    }
    await ledger.record({ ...base, eventId: 'hit', team: 'support', model: 'claude', deployment: 'cache', vendorModel: 'claude-sonnet-4-5', costMicros: 0, cacheHit: true, savedMicros: 10_500, at: Date.now() });
  });
  afterAll(async () => gateway?.close());

  it('requires the admin key', async () => {
    expect((await fetch(`${gateway.url}/admin`)).status).toBe(401);
  });

  it('renders spend, models, cache hit rate, queues and circuits from live data', async () => {
    const html = await (await gateway.admin('/admin')).text();
    expect(html.match(/<rect class="bar" data-team="search"/g)).toHaveLength(3);
    expect(html.match(/<rect class="bar" data-team="support"/g)).toHaveLength(3);
    expect(html).toContain('data-hit-rate="0.1429"'); // 1 hit of 7
    expect(html).toMatch(/id="models-chart"[\s\S]*>gpt-4o</);
    expect(html).toMatch(/<td>local<\/td>[\s\S]*class="closed"/);
  });

  it.skipIf(!existsSync(CHROMIUM) && !REQUIRE_CHROMIUM)('draws the charts in a real headless Chromium', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`CI=true but Chromium is missing at ${CHROMIUM} (apt-get install -y chromium)`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ extraHTTPHeaders: { authorization: `Bearer ${TEST_ADMIN_KEY}` }, viewport: { width: 1100, height: 900 } });
      await page.goto(`${gateway.url}/admin`);
      const bars = page.locator('#spend-chart rect.bar');
      expect(await bars.count()).toBe(6);
      const box = await bars.first().boundingBox();
      expect(box!.height).toBeGreaterThan(1);
      expect(await page.locator('#models-chart rect.bar').count()).toBe(2);
      await page.screenshot({ path: new URL('./__screenshots__/operator-page.png', import.meta.url).pathname, fullPage: true });
      // The pixels themselves: each chart's region is drawn, in several colours, not a blank box.
      for (const chart of ['#spend-chart', '#models-chart']) {
        const image = decodePng(await page.locator(chart).screenshot());
        expect(image.width * image.height, chart).toBeGreaterThan(10_000);
        const { ink, colours } = inkAndColours(image);
        expect(ink, `${chart} ink`).toBeGreaterThan(0.05);
        expect(colours, `${chart} colours`).toBeGreaterThanOrEqual(3);
      }
      const blank = inkAndColours(decodePng(await page.screenshot({ clip: { x: 0, y: 0, width: 4, height: 4 } })));
      expect(blank.colours).toBe(1); // the measure itself can tell an empty region from a chart
    } finally {
      await browser.close();
    }
  });
});
