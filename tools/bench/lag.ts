// `npm run bench:lag` (nx run tools:bench-lag): the BRIEF's replication-lag target, measured.
//
//   Replication lag (RPO) p99 under a second at a steady 1,000 events/s.
//
// Starts two throw-away sites linked by MirrorMaker 2 (durable PostgreSQL), the registry on
// both (the embassy's in replica role), and writes persons at a steady rate through
// POST /persons/batch (an open loop: a request every `batch / rate` seconds, whatever the
// answers do). Every 100 ms it reads both sites' /replication/status and takes the lag as
// embassy-sync reports it: the events the primary holds and the embassy does not, and the span
// of primary writes not yet at the embassy (primary head's recorded-at minus the embassy
// head's). Prints p50/p99/max of both and one JSON line. Flags:
//   --rate 1000      events per second
//   --seconds 60     measured seconds (after a 5 s warm-up)
//   --bulk 20        persons per request
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { registerPersonBody } from './lib/persons';
import { TwoSites, sleep } from '../scripts/lib/two-sites';

const log = (message: string): void => {
  process.stderr.write(`[bench:lag] ${message}\n`);
};

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      bulk: { type: 'string', default: '20' },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const batch = Number(values.bulk);
  if (!(rate > 0) || !(seconds > 0) || !Number.isInteger(batch) || batch < 1 || batch > 500) {
    throw new Error('--rate and --seconds must be positive, --bulk an integer from 1 to 500');
  }
  const sites = await TwoSites.start({ log, durable: true });
  try {
    const registrar = await sites.token('registrar', 'bench-clerk');
    const primary = await sites.startService('primary', 'registry');
    const embassy = await sites.startService('embassy', 'registry');
    log(`writing ${rate} events/s in requests of ${batch} for 5 s + ${seconds} s`);

    const intervalMs = (batch / rate) * 1000;
    const started = performance.now();
    const measureFrom = started + 5_000;
    const stopAt = measureFrom + seconds * 1000;
    let sent = 0;
    let failed = 0;
    let acknowledged = 0;
    const inFlight = new Set<Promise<void>>();
    const writer = (async () => {
      for (let i = 0; ; i += 1) {
        const due = started + i * intervalMs;
        if (due >= stopAt) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const bodies = Array.from({ length: batch }, (_, k) => registerPersonBody(i * batch + k));
        const request = primary.client
          .registerPersons(registrar, `lag-${i}`, bodies)
          .then(
            () => {
              acknowledged += batch;
            },
            () => {
              failed += 1;
            },
          )
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
        sent += batch;
      }
      await Promise.all(inFlight);
    })();

    const lagEvents: number[] = [];
    const lagMs: number[] = [];
    while (performance.now() < stopAt) {
      await sleep(100);
      if (performance.now() < measureFrom) continue;
      const [p, e] = await Promise.all([primary.client.status(), embassy.client.status()]);
      const behind = Number(BigInt(p.head) - BigInt(e.head));
      lagEvents.push(Math.max(0, behind));
      const span =
        behind > 0 && p.headRecordedAt !== null && e.headRecordedAt !== null
          ? Date.parse(p.headRecordedAt) - Date.parse(e.headRecordedAt)
          : 0;
      lagMs.push(Math.max(0, span));
    }
    await writer;
    const elapsed = (performance.now() - started) / 1000;
    lagEvents.sort((a, b) => a - b);
    lagMs.sort((a, b) => a - b);
    const figures = {
      bench: 'replication-lag',
      targetEventsPerSecond: rate,
      achievedEventsPerSecond: Math.round(acknowledged / elapsed),
      failedRequests: failed,
      sentEvents: sent,
      samples: lagMs.length,
      lagMs: { p50: quantile(lagMs, 0.5), p99: quantile(lagMs, 0.99), max: lagMs.at(-1) ?? null },
      lagEvents: {
        p50: quantile(lagEvents, 0.5),
        p99: quantile(lagEvents, 0.99),
        max: lagEvents.at(-1) ?? null,
      },
    };
    process.stdout.write(
      `\nreplication lag at ${figures.achievedEventsPerSecond} events/s (target ${rate}): ` +
        `p50 ${figures.lagMs.p50} ms / p99 ${figures.lagMs.p99} ms / max ${String(figures.lagMs.max)} ms; ` +
        `in events p50 ${figures.lagEvents.p50} / p99 ${figures.lagEvents.p99} ` +
        `(${figures.samples} samples every 100 ms; target p99 < 1000 ms: ${figures.lagMs.p99 < 1000 ? 'met' : 'NOT met'})\n` +
        `${JSON.stringify(figures)}\n`,
    );
  } finally {
    await sites.stop();
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
