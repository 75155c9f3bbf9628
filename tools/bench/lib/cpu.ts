import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of the `/proc` counters (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU time counters at one instant, in clock ticks. */
export interface CpuSample {
  /** Every CPU's time, all states. */
  readonly total: number;
  /** Every CPU's non-idle time. */
  readonly busy: number;
  /** CPU time of the benchmark's process tree (this process, the registry, PostgreSQL, Kafka). */
  readonly ours: number;
  /** CPU time of named subtrees of it (e.g. `registry`: the registry process). */
  readonly parts: Readonly<Record<string, number>>;
}

/** How the machine's CPU was spent between two samples, in % of all CPUs. */
export interface CpuShare {
  readonly busyPct: number;
  readonly oursPct: number;
  /** Non-idle time of processes outside the benchmark: other work disturbing the figures. */
  readonly othersPct: number;
}

/**
 * Samples the machine's CPU counters (`/proc/stat`) and those of `rootPid` and its descendants
 * (`/proc/<pid>/stat`, own and reaped children's time). Linux only; zeros elsewhere.
 */
export function sampleCpu(
  rootPid: number = process.pid,
  parts: Readonly<Record<string, number>> = {},
): CpuSample {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const tree = processTree();
    return {
      total,
      busy: total - idle,
      ours: treeTicks(tree, rootPid),
      parts: Object.fromEntries(
        Object.entries(parts).map(([name, pid]) => [name, treeTicks(tree, pid)]),
      ),
    };
  } catch {
    return { total: 0, busy: 0, ours: 0, parts: {} };
  }
}

/**
 * CPU milliseconds per operation between two samples, for each named part and for the rest of
 * the benchmark's tree (`driver`: this process and anything not named).
 */
export function cpuMsPerOperation(
  from: CpuSample,
  to: CpuSample,
  operations: number,
): Record<string, number> {
  if (operations <= 0) return {};
  const ms = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND / operations;
  const result: Record<string, number> = {};
  let named = 0;
  for (const [name, ticks] of Object.entries(to.parts)) {
    const spent = ticks - (from.parts[name] ?? 0);
    named += spent;
    result[name] = ms(spent);
  }
  return { driver: ms(to.ours - from.ours - named), ...result };
}

/** The share of CPU spent between `from` and `to`. */
export function cpuShare(from: CpuSample, to: CpuSample): CpuShare {
  const total = to.total - from.total;
  if (total <= 0) return { busyPct: 0, oursPct: 0, othersPct: 0 };
  const busy = to.busy - from.busy;
  const ours = Math.min(busy, to.ours - from.ours);
  return {
    busyPct: (busy / total) * 100,
    oursPct: (ours / total) * 100,
    othersPct: (Math.max(0, busy - ours) / total) * 100,
  };
}

interface ProcStat {
  readonly ppid: number;
  readonly ticks: number;
}

interface ProcessTree {
  readonly stats: ReadonlyMap<number, ProcStat>;
  readonly children: ReadonlyMap<number, readonly number[]>;
}

function processTree(): ProcessTree {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) {
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  return { stats, children };
}

function treeTicks({ stats, children }: ProcessTree, rootPid: number): number {
  let ticks = 0;
  const pending = [rootPid];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    ticks += stats.get(pid)?.ticks ?? 0;
    pending.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name in parentheses: state, ppid, ..., utime (14), stime, cutime, cstime.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const field = (n: number): number => Number(rest[n - 3] ?? 0);
    return { ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
  } catch {
    return undefined;
  }
}
