import { z } from 'zod';

/** The parts of V8's `.cpuprofile` (written by `node --cpu-prof`) that the analysis reads. */
const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      hitCount: z.number().optional(),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()).optional(),
  /** Monotonic clock (CLOCK_MONOTONIC, µs) at the start: the clock of `process.hrtime` in any process. */
  startTime: z.number().optional(),
  /** Microseconds before each sample. */
  timeDeltas: z.array(z.number()).optional(),
});
export type CpuProfile = z.infer<typeof profileSchema>;

export interface ProfileRow {
  name: string;
  samples: number;
  /** Share of the busy (non-idle) samples, percent. */
  percent: number;
}

export interface ProfileSummary {
  totalSamples: number;
  busySamples: number;
  /** Milliseconds of CPU the busy samples stand for (from the sample time deltas). */
  busyMs: number;
  /** Self time by area: our code by top folder, each npm package, node internals, GC, … */
  byArea: ProfileRow[];
  /** Self time by function. */
  bySelf: ProfileRow[];
  /** Inclusive time (function and everything it called) of our own functions. */
  byInclusiveOwn: ProfileRow[];
  /** Inclusive time by area: the share of busy samples with a frame of that area anywhere on the stack. */
  byInclusiveArea: ProfileRow[];
}

export function parseCpuProfile(json: string): CpuProfile {
  return profileSchema.parse(JSON.parse(json));
}

/**
 * Where a frame's code lives: `(gc)`-style pseudo frames, `node:` internals, a package, or our
 * folder (the same for the sources and their build in dist/).
 */
export function areaOf(url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native / builtins)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  if (path.startsWith(root)) return `switchyard ${path.slice(root.length).replace(/^dist\//, '').split('/')[0]}/`;
  return 'other';
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame'], root: string): string {
  const path = frame.url.replace(/^file:\/\//, '').replace(root, '').replace(/^.*node_modules\//, '');
  const fn = frame.functionName || '(anonymous)';
  return path ? `${fn} ${path}:${frame.lineNumber + 1}` : fn;
}

function rows(counts: Map<string, number>, busy: number, limit: number): ProfileRow[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, samples]) => ({ name, samples, percent: Math.round((samples / busy) * 1000) / 10 }));
}

/**
 * Summarises a CPU profile: self time by area and by function, and inclusive time of functions in
 * `root` (a recursive function's samples count once). Percentages are of busy samples: `(idle)`
 * is excluded, `(garbage collector)` and `(program)` are kept. With `window` (monotonic µs, as
 * `process.hrtime.bigint() / 1000n`), only samples taken inside it count, so start-up is left out.
 */
export function summarizeProfile(profile: CpuProfile, root: string, options: { limit?: number; window?: { fromUs: number; toUs: number } } = {}): ProfileSummary {
  const limit = options.limit ?? 25;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Self samples (and their µs) per node, from `samples` when present (exact), else hitCount.
  const self = new Map<number, number>();
  let busyMicros = 0;
  if (profile.samples && profile.samples.length > 0) {
    let at = profile.startTime ?? 0;
    profile.samples.forEach((id, i) => {
      const delta = profile.timeDeltas?.[i] ?? 0;
      at += delta;
      if (options.window && (at < options.window.fromUs || at > options.window.toUs)) return;
      self.set(id, (self.get(id) ?? 0) + 1);
      if (byId.get(id)?.callFrame.functionName !== '(idle)') busyMicros += delta;
    });
  } else for (const node of profile.nodes) self.set(node.id, node.hitCount ?? 0);

  let total = 0;
  let busy = 0;
  const areas = new Map<string, number>();
  const selfByName = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const inclusiveAreas = new Map<string, number>();
  for (const [id, count] of self) {
    const node = byId.get(id);
    if (!node || count === 0) continue;
    total += count;
    if (node.callFrame.functionName === '(idle)') continue;
    busy += count;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName, root);
    areas.set(area, (areas.get(area) ?? 0) + count);
    const name = frameName(node.callFrame, root);
    selfByName.set(name, (selfByName.get(name) ?? 0) + count);
    const seen = new Set<string>();
    const seenAreas = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const frameArea = areaOf(frame.url, frame.functionName, root);
      if (!frameArea.startsWith('(') && !seenAreas.has(frameArea)) {
        seenAreas.add(frameArea);
        inclusiveAreas.set(frameArea, (inclusiveAreas.get(frameArea) ?? 0) + count);
      }
      if (!frame.url.startsWith(`file://${root}`) || frame.url.includes('/node_modules/')) continue;
      const own = frameName(frame, root);
      if (seen.has(own)) continue;
      seen.add(own);
      inclusive.set(own, (inclusive.get(own) ?? 0) + count);
    }
  }
  return { totalSamples: total, busySamples: busy, busyMs: Math.round(busyMicros / 1000), byArea: rows(areas, busy, limit), bySelf: rows(selfByName, busy, limit), byInclusiveOwn: rows(inclusive, busy, limit), byInclusiveArea: rows(inclusiveAreas, busy, limit) };
}
