// The planned switch of roles between the two sites, service by service: what the drill's
// planned failover and failback do, and what the whole-journey e2e test does before running the
// journey again on the promoted embassy.
import { performance } from 'node:perf_hooks';

import { DrillStepError } from './drill-client';
import type { ServiceClient } from './drill-client';
import { until } from './two-sites';
import type { SiteService } from './two-sites';

/** Where a switch reports its steps. */
export interface SwitchLog {
  /** A step. */
  phase(message: string): void;
  /** A repeated state while waiting (may be dropped or overwritten). */
  progress(message: string): void;
}

/** One piece of state on both sites; `position` for a projection (at its checkpoint). */
export interface PairOfDigests {
  readonly primary: string;
  readonly embassy: string;
  readonly position?: string;
}

/**
 * The projections' digests on both sites once both projections stand at `head` (a read model
 * follows its log by a poll or two), keyed `<service>/<projection>` as in the report.
 */
export async function projectionDigests(
  a: ServiceClient,
  b: ServiceClient,
  head: bigint,
): Promise<Record<string, PairOfDigests>> {
  const atHead = (site: ServiceClient, name: string) =>
    until(
      `the ${name} projections to reach position ${head}`,
      async () => {
        const digests = await site.digests(head);
        const all = Object.values(digests.projections);
        return all.every((p) => BigInt(p.position) >= head) ? digests : undefined;
      },
      60_000,
      50,
    );
  const [ours, theirs] = await Promise.all([atHead(a, 'first site'), atHead(b, 'second site')]);
  const pairs: Record<string, PairOfDigests> = {};
  for (const [name, projection] of Object.entries(ours.projections)) {
    const other = theirs.projections[name];
    if (projection.position !== other?.position) {
      throw new DrillStepError(
        `projection ${name} stands at ${projection.position} on one site, ${other?.position ?? 'nowhere'} on the other`,
      );
    }
    pairs[`${ours.service}/${name}`] = {
      primary: projection.digest,
      embassy: other.digest,
      position: projection.position,
    };
  }
  return pairs;
}

export const allEqual = (pairs: Record<string, PairOfDigests>): boolean =>
  Object.values(pairs).every((pair) => pair.primary === pair.embassy);

/** One service with an event store, running on both sites. */
export interface Replicated {
  readonly name: string;
  /** Its internal events topic, whose relay checkpoint says what the primary published. */
  readonly topic: string;
  /** Its event store's schema, where the unplanned scenario counts what the primary kept. */
  readonly schema: string;
  readonly primary: SiteService;
  readonly embassy: SiteService;
}

/** What a switch of roles found and did. */
export interface Switched {
  /** Per service: the head `from` stood at when fenced, and the promotion of `to`. */
  readonly services: ReadonlyMap<
    string,
    { readonly head: bigint; readonly promotion: { position: string; discarded: number } }
  >;
  /** Logs (`<service>`, at the head) and projections (`<service>/<name>`). */
  readonly digests: Record<string, PairOfDigests>;
  readonly rtoMs: number;
}

/**
 * A planned switch of roles of every replicated service at once: fence `from`, wait until it
 * published everything and `to` applied it, compare digests at that head, promote `to`; then
 * let `serving` check that `to` serves. RTO from the fences to serving. In `digests`, `primary`
 * is `from`. `log` reports each step (`progress` the repeated ones).
 */
export async function switchover(
  services: readonly Replicated[],
  fromName: 'primary' | 'embassy',
  toName: 'primary' | 'embassy',
  reason: string,
  serving: () => Promise<void>,
  log: SwitchLog,
): Promise<Switched> {
  const decidedAt = performance.now();
  const switched = await Promise.all(
    services.map(async (service) => {
      const from = service[fromName].client;
      const to = service[toName].client;
      await from.fence(reason);
      const head = await until(
        `the fenced ${fromName} ${service.name} to publish everything`,
        async () => {
          const status = await from.status();
          // A relay that never saved a checkpoint has published nothing: position 0. A service
          // whose log is still empty (consent, in a drill that loads only the registry) is then
          // drained at once instead of never.
          const published = status.relays[service.topic] ?? '0';
          return status.unpositioned === 0 && published === status.head
            ? BigInt(status.head)
            : undefined;
        },
        60_000,
        20,
      );
      log.phase(
        `${fromName} ${service.name} fenced at position ${head}; draining to the ${toName}`,
      );
      await until(
        `the ${toName} ${service.name} to drain`,
        async () => {
          const status = await to.status();
          log.progress(`${toName} ${service.name} at ${status.head}/${head}`);
          return BigInt(status.head) >= head ? true : undefined;
        },
        120_000,
        20,
      );
      const digest = await from.digest(head);
      const theirs = await to.digest(head);
      if (theirs !== digest) {
        throw new DrillStepError(
          `${service.name}: digests differ before promotion: ${digest} vs ${theirs}`,
        );
      }
      // The read models too, at the same head.
      const projections = await projectionDigests(from, to, head);
      if (!allEqual(projections)) {
        throw new DrillStepError(
          `${service.name}: projection digests differ before promotion: ${JSON.stringify(projections)}`,
        );
      }
      log.phase(
        `${service.name}: digests equal (log${Object.keys(projections)
          .map((name) => `, ${name}`)
          .join('')}); promoting the ${toName}`,
      );
      const promotion = await to.promote(reason);
      const digests: Record<string, PairOfDigests> = {
        [service.name]: { primary: digest, embassy: theirs, position: head.toString() },
        ...projections,
      };
      return { name: service.name, head, promotion, digests };
    }),
  );
  await serving();
  const rtoMs = performance.now() - decidedAt;
  log.phase(`${toName} serves reads and writes; RTO ${Math.round(rtoMs)} ms`);
  return {
    services: new Map(switched.map((s) => [s.name, { head: s.head, promotion: s.promotion }])),
    digests: Object.assign({}, ...switched.map((s) => s.digests)) as Record<string, PairOfDigests>,
    rtoMs,
  };
}
