import { describe, expect, it } from 'vitest';
import { areaOf, summarizeProfile, type CpuProfile } from './cpu-profile.js';

const ROOT = '/repo/';
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

// root → handle (ours) → parse (ours) → JSON.parse (native); handle → send (express); (idle); (garbage collector)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
    { id: 2, callFrame: frame('handle', 'file:///repo/api/routes/x.ts', 9), children: [3, 7] },
    { id: 3, callFrame: frame('parse', 'file:///repo/shared/p.ts', 0), children: [4] },
    { id: 4, callFrame: frame('parse', '') },
    { id: 5, callFrame: frame('(idle)') },
    { id: 6, callFrame: frame('(garbage collector)') },
    { id: 7, callFrame: frame('send', 'file:///repo/node_modules/express/lib/response.js', 99) },
  ],
  samples: [4, 4, 4, 3, 7, 5, 5, 5, 5, 6, 2],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 2000],
};

describe('summarizeProfile', () => {
  const summary = summarizeProfile(profile, ROOT);

  it('leaves idle samples out of the busy share', () => {
    expect(summary.totalSamples).toBe(11);
    expect(summary.busySamples).toBe(7);
    expect(summary.busyMs).toBe(8);
  });

  it('attributes self time to areas', () => {
    const area = Object.fromEntries(summary.byArea.map((r) => [r.name, r.samples]));
    expect(area).toEqual({ '(native / builtins)': 3, 'switchyard shared/': 1, 'switchyard api/': 1, express: 1, '(garbage collector)': 1 });
  });

  it('counts inclusive time of our functions through their callees', () => {
    const inclusive = Object.fromEntries(summary.byInclusiveOwn.map((r) => [r.name, r.samples]));
    expect(inclusive).toEqual({ 'handle api/routes/x.ts:10': 6, 'parse shared/p.ts:1': 4 });
    expect(summary.byInclusiveOwn[0]!.percent).toBe(85.7);
  });
});

describe('summarizeProfile inclusive areas', () => {
  it('counts each area once per sample, wherever it is on the stack', () => {
    const inclusive = Object.fromEntries(summarizeProfile(profile, ROOT).byInclusiveArea.map((r) => [r.name, r.samples]));
    expect(inclusive).toEqual({ 'switchyard api/': 6, 'switchyard shared/': 4, express: 1 });
  });
});

describe('summarizeProfile with a window', () => {
  it('counts only samples taken inside the window', () => {
    // Samples at 1000, 2000, … µs after startTime 5000: the window [7500, 9500] holds samples 3 and 4 (ids 4 and 3).
    const summary = summarizeProfile({ ...profile, startTime: 5000 }, ROOT, { window: { fromUs: 7500, toUs: 9500 } });
    expect(summary.totalSamples).toBe(2);
    expect(summary.busyMs).toBe(2);
    expect(summary.bySelf.map((r) => r.name).sort()).toEqual(['parse', 'parse shared/p.ts:1']);
  });
});

describe('areaOf', () => {
  it('names scoped packages and node internals', () => {
    expect(areaOf('file:///repo/node_modules/@bull-board/api/dist/x.js', 'f', ROOT)).toBe('@bull-board/api');
    expect(areaOf('node:internal/http', 'f', ROOT)).toBe('node internals');
  });

  it('puts a compiled module in the folder of its source', () => {
    expect(areaOf('file:///repo/dist/workers/dispatch/process-attempt.js', 'f', ROOT)).toBe('switchyard workers/');
    expect(areaOf('file:///repo/workers/dispatch/process-attempt.ts', 'f', ROOT)).toBe('switchyard workers/');
  });
});
