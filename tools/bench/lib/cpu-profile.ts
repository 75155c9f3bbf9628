import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';

/** A category of the replayer's own CPU time. */
export interface ProfileCategory {
  readonly name: string;
  /** Tested against a frame's `url` and `functionName` (`url#functionName`). */
  readonly frame: RegExp;
}

/** Where the CPU time of a profile went. */
export interface ProfileBreakdown {
  /** Milliseconds the profile covers. */
  readonly wallMs: number;
  /** Milliseconds per category, plus `idle` (waiting), `gc` and `other`. */
  readonly ms: Readonly<Record<string, number>>;
  /** The functions with the most self time, with the category each was counted in. */
  readonly top: readonly { readonly fn: string; readonly category: string; readonly ms: number }[];
}

/**
 * Samples this process's JavaScript CPU (the V8 profiler, as `node --cpu-prof` does) between
 * {@link start} and {@link stop}, so that only the measured phase is in the profile.
 */
export class CpuProfile {
  private readonly session = new Session();

  async start(intervalMicros = 250): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
    await this.session.post('Profiler.start');
  }

  /** Stops sampling and writes the profile to `file` (a `.cpuprofile` DevTools opens). */
  async stop(file: string): Promise<Profiler.Profile> {
    const { profile } = await this.session.post('Profiler.stop');
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return profile;
  }
}

/**
 * Attributes each sample to the category of the nearest frame on its stack, from the sampled
 * function outwards, that a category claims (so a Buffer copy called from the row encoder counts
 * as the insert's, one called from the envelope decoder as decoding). `categories` are tried in
 * order for each frame. Samples whose stack no category claims count as `other`.
 */
export function breakDown(
  profile: Profiler.Profile,
  categories: readonly ProfileCategory[],
  topCount = 15,
): ProfileBreakdown {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const categoryOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = categoryOf.get(id);
    if (known !== undefined) return known;
    const node = nodes.get(id);
    let category = 'other';
    if (node) {
      const { url, functionName } = node.callFrame;
      if (functionName === '(idle)') category = 'idle';
      else if (functionName === '(garbage collector)') category = 'gc';
      else {
        const frame = `${url}#${functionName}`;
        const claimed = categories.find((c) => c.frame.test(frame));
        const parent = parents.get(id);
        category = claimed ? claimed.name : parent === undefined ? 'other' : classify(parent);
      }
    }
    categoryOf.set(id, category);
    return category;
  };
  const ms: Record<string, number> = {};
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i];
    const micros = deltas[i] ?? 0;
    if (id === undefined) continue;
    const category = classify(id);
    ms[category] = (ms[category] ?? 0) + micros / 1000;
    self.set(id, (self.get(id) ?? 0) + micros / 1000);
  }
  const byFunction = new Map<string, { category: string; ms: number }>();
  for (const [id, spent] of self) {
    const node = nodes.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*node_modules\//, '').replace(/^.*\/(libs|tools)\//, '$1/');
    const fn = `${functionName || '(anonymous)'} ${where}${url ? `:${String(lineNumber + 1)}` : ''}`;
    const category = classify(id);
    const key = `${fn}\u0000${category}`;
    const entry = byFunction.get(key) ?? { category, ms: 0 };
    entry.ms += spent;
    byFunction.set(key, entry);
  }
  const top = [...byFunction]
    .filter(([, entry]) => entry.category !== 'idle')
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, topCount)
    .map(([key, entry]) => ({ fn: key.split('\u0000')[0] ?? key, ...entry }));
  return { wallMs: (profile.endTime - profile.startTime) / 1000, ms, top };
}
