// The console's planned failover to the embassy, in the order the drill does it
// (tools/scripts/lib/switchover.ts): per service and all at once, fence the primary, wait until
// its relay published the whole log and the embassy applied it, compare both sites' digests of
// the log and of every read model at that head, and only then promote the embassy. A service
// whose digests differ stays fenced and unpromoted: an operator decides what happens next.
import type { ReplicationDigest, ReplicationStatus, Promotion } from './console-api';

/** A replicated service and its two sites' base URLs (`PORTAL_REPLICATED_SERVICES`). */
export interface FailoverTarget {
  readonly name: string;
  readonly primaryUrl: string;
  readonly embassyUrl: string;
}

/** The replication routes of one service on one site, called with the operator's token. */
export interface ReplicationCalls {
  status(baseUrl: string, service: string): Promise<ReplicationStatus>;
  fence(baseUrl: string, service: string, reason: string): Promise<unknown>;
  digest(baseUrl: string, service: string, position: string): Promise<ReplicationDigest>;
  promote(baseUrl: string, service: string, reason: string): Promise<Promotion>;
}

/** How long each wait may last, and how often it looks. */
export interface FailoverTiming {
  readonly drainTimeoutMs: number;
  readonly pollMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

export const DEFAULT_TIMING: FailoverTiming = {
  drainTimeoutMs: 60_000,
  pollMs: 100,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** A step of one service's failover that did not work out. */
export class FailoverStepError extends Error {
  override readonly name = 'FailoverStepError';
  constructor(
    message: string,
    /** `timeout` when a wait ran out, `mismatch` when digests differ, `refused` otherwise. */
    readonly kind: 'timeout' | 'mismatch' | 'refused',
  ) {
    super(message);
  }
}

/** What happened to one service. */
export type FailoverResult =
  | {
      readonly service: string;
      readonly ok: true;
      /** Where the fenced primary stood: the position both digests were compared at. */
      readonly head: string;
      readonly digest: string;
      /** The embassy's promotion. */
      readonly position: string;
      readonly discarded: number;
    }
  | { readonly service: string; readonly ok: false; readonly error: unknown };

/** The internal topic whose relay checkpoint says what the primary published. */
export function eventsTopic(service: string): string {
  return `${service}.events.v1`;
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timing: FailoverTiming,
): Promise<T> {
  const deadline = timing.now() + timing.drainTimeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (timing.now() > deadline) {
      throw new FailoverStepError(`timed out waiting for ${what}`, 'timeout');
    }
    await timing.sleep(timing.pollMs);
  }
}

async function failOverOne(
  target: FailoverTarget,
  reason: string,
  calls: ReplicationCalls,
  timing: FailoverTiming,
): Promise<FailoverResult> {
  const { name, primaryUrl: from, embassyUrl: to } = target;
  const before = await calls.status(from, name);
  // A primary fenced by an earlier attempt is drained and compared again, not refused.
  if (before.role === 'primary') await calls.fence(from, name, reason);
  else if (before.role !== 'fenced') {
    throw new FailoverStepError(
      `the home site is ${before.role}, not the primary: nothing to fail over`,
      'refused',
    );
  }
  const head = await until(
    `the fenced home site to publish its whole log`,
    async () => {
      const status = await calls.status(from, name);
      // A relay that never saved a checkpoint published nothing: position 0 (an empty log is
      // drained at once).
      const published = status.relays[eventsTopic(name)] ?? '0';
      return status.unpositioned === 0 && published === status.head ? status.head : undefined;
    },
    timing,
  );
  await until(
    `the data embassy to apply the log up to position ${head}`,
    async () => (BigInt((await calls.status(to, name)).head) >= BigInt(head) ? true : undefined),
    timing,
  );
  // Read models follow their log by a poll or two: compare them once both stand at the head.
  const [ours, theirs] = await Promise.all(
    [from, to].map((url) =>
      until(
        `the read models ${url === from ? 'of the home site' : 'of the embassy'} to reach position ${head}`,
        async () => {
          const digest = await calls.digest(url, name, head);
          return Object.values(digest.projections).every((p) => BigInt(p.position) >= BigInt(head))
            ? digest
            : undefined;
        },
        timing,
      ),
    ),
  );
  if (ours === undefined || theirs === undefined) throw new Error('unreachable');
  const differing = [
    ...(ours.digest === theirs.digest ? [] : ['the log']),
    ...Object.entries(ours.projections)
      .filter(([projection, p]) => {
        const other = theirs.projections[projection];
        return other?.position !== p.position || other.digest !== p.digest;
      })
      .map(([projection]) => projection),
  ];
  if (differing.length > 0) {
    throw new FailoverStepError(
      `digests differ at position ${head} (${differing.join(', ')}): not promoted, the home site stays fenced`,
      'mismatch',
    );
  }
  const promotion = await calls.promote(to, name, reason);
  return {
    service: name,
    ok: true,
    head,
    digest: ours.digest,
    position: promotion.position,
    discarded: promotion.discarded,
  };
}

/**
 * Fails every target over to the embassy at once (as the drill does); never throws: each
 * service's outcome, in the order of `targets`.
 */
export async function failOverToEmbassy(
  targets: readonly FailoverTarget[],
  reason: string,
  calls: ReplicationCalls,
  timing: FailoverTiming = DEFAULT_TIMING,
): Promise<FailoverResult[]> {
  const settled = await Promise.allSettled(
    targets.map((target) => failOverOne(target, reason, calls, timing)),
  );
  return settled.map((outcome, index) =>
    outcome.status === 'fulfilled'
      ? outcome.value
      : { service: targets[index]?.name ?? '', ok: false, error: outcome.reason },
  );
}
