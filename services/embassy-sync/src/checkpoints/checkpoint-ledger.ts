import type { CheckpointPayload, SignatureProblem, SignedCheckpoint } from './checkpoint';

/** Where a checkpoint record was read. */
export interface RecordLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A checkpoint with a good signature, waiting for this site's log to reach its position. */
export interface PendingCheckpoint {
  readonly payload: CheckpointPayload;
  readonly position: bigint;
  readonly receivedAt: Date;
}

/** A checkpoint whose digest was compared with this site's. */
export interface ComparedCheckpoint {
  readonly position: string;
  readonly digest: string;
  readonly signedAt: string;
  readonly comparedAt: Date;
}

/** A digest that differs from the one the primary signed. */
export interface DigestMismatch extends ComparedCheckpoint {
  /** This site's digest at the position. */
  readonly actual: string;
}

/** A checkpoint record refused for its signature, with what it claimed. */
export interface RefusedCheckpoint {
  readonly problem: SignatureProblem;
  readonly checkpoint: SignedCheckpoint;
  readonly record: RecordLocation;
  readonly at: Date;
}

/** A record that is no checkpoint at all (dead-lettered). */
export interface UndecodableRecord {
  readonly error: string;
  readonly record: RecordLocation;
  readonly at: Date;
}

/** What is known of one service's checkpoints on this instance. */
export interface ServiceCheckpoints {
  /** The last checkpoint this instance signed and published. */
  readonly lastSigned: (CheckpointPayload & { readonly publishedAt: Date }) | null;
  readonly signed: number;
  /** The last checkpoint with a good signature that arrived. */
  readonly lastReceived: (CheckpointPayload & { readonly receivedAt: Date }) | null;
  readonly received: number;
  /** The newest checkpoint waiting for this site's log to reach its position. */
  readonly pending: PendingCheckpoint | null;
  /**
   * Checkpoints never compared because a later one replaced them while pending, or because an
   * equal or later position was already compared: the digest is a hash chain over the log, so
   * equal digests at a position prove the logs equal at every earlier position too.
   */
  readonly superseded: number;
  readonly lastVerified: ComparedCheckpoint | null;
  readonly verified: number;
  /** Every mismatch (kept: each is an incident). */
  readonly mismatches: readonly DigestMismatch[];
}

/** Refused and undecodable records are kept for the status, the newest of each at most this many. */
const KEPT_REFUSALS = 20;

/**
 * The checkpoint bookkeeping of one embassy-sync instance: what it signed, received, verified,
 * and what it refused. Plain state, fed by the signer, the checkpoint consumer and the
 * verifier; read by the status and the metrics. Refusals and mismatches stay until the process
 * restarts: each needs an operator's look, the dead-letter topic keeps the records themselves.
 */
export class CheckpointLedger {
  private readonly services = new Map<string, MutableServiceCheckpoints>();
  private readonly refusedList: RefusedCheckpoint[] = [];
  private readonly undecodableList: UndecodableRecord[] = [];
  private refusedTotal = 0;
  private undecodableTotal = 0;
  private ignoredTotal = 0;
  /** Dead-letter retries hand the same record to the policy again: count each record once. */
  private readonly seenRecords = new Set<string>();

  constructor(watched: readonly string[]) {
    for (const service of watched) this.services.set(service, emptyService());
  }

  signed(payload: CheckpointPayload, publishedAt: Date): void {
    const state = this.service(payload.service);
    if (!state) return;
    state.lastSigned = { ...payload, publishedAt };
    state.signed += 1;
  }

  /**
   * A checkpoint with a good signature. It becomes the service's pending one unless an equal or
   * later position is already pending or compared.
   *
   * @returns `false` for a service this instance does not watch (ignored).
   */
  received(checkpoint: SignedCheckpoint, receivedAt: Date): boolean {
    const state = this.service(checkpoint.payload.service);
    if (!state) {
      this.ignoredTotal += 1;
      return false;
    }
    const position = BigInt(checkpoint.payload.position);
    state.lastReceived = { ...checkpoint.payload, receivedAt };
    state.received += 1;
    const compared = state.comparedUpTo;
    if (
      (compared !== undefined && position <= compared) ||
      (state.pending?.position ?? -1n) >= position
    ) {
      state.superseded += 1;
    } else {
      if (state.pending) state.superseded += 1;
      state.pending = { payload: checkpoint.payload, position, receivedAt };
    }
    return true;
  }

  refused(refusal: RefusedCheckpoint): void {
    if (!this.firstSight(refusal.record)) return;
    this.refusedTotal += 1;
    keepNewest(this.refusedList, refusal);
  }

  undecodable(record: UndecodableRecord): void {
    if (!this.firstSight(record.record)) return;
    this.undecodableTotal += 1;
    keepNewest(this.undecodableList, record);
  }

  /** The pending checkpoint of `service`, if any. */
  pending(service: string): PendingCheckpoint | null {
    return this.services.get(service)?.pending ?? null;
  }

  /** Settles the pending checkpoint `pending` of its service with this site's digest. */
  compared(pending: PendingCheckpoint, actual: string, comparedAt: Date): 'verified' | 'mismatch' {
    const state = this.service(pending.payload.service);
    const { position, digest, signedAt } = pending.payload;
    const outcome = actual === digest ? 'verified' : 'mismatch';
    if (!state) return outcome;
    if (state.pending === pending) state.pending = null;
    state.comparedUpTo =
      state.comparedUpTo === undefined || pending.position > state.comparedUpTo
        ? pending.position
        : state.comparedUpTo;
    if (outcome === 'verified') {
      state.lastVerified = { position, digest, signedAt, comparedAt };
      state.verified += 1;
    } else {
      state.mismatches.push({ position, digest, signedAt, comparedAt, actual });
    }
    return outcome;
  }

  snapshot(): CheckpointLedgerSnapshot {
    return {
      services: Object.fromEntries(
        [...this.services].map(([name, state]) => [
          name,
          {
            lastSigned: state.lastSigned,
            signed: state.signed,
            lastReceived: state.lastReceived,
            received: state.received,
            pending: state.pending,
            superseded: state.superseded,
            lastVerified: state.lastVerified,
            verified: state.verified,
            mismatches: [...state.mismatches],
          },
        ]),
      ),
      refused: { total: this.refusedTotal, recent: [...this.refusedList] },
      undecodable: { total: this.undecodableTotal, recent: [...this.undecodableList] },
      ignored: this.ignoredTotal,
    };
  }

  private service(name: string): MutableServiceCheckpoints | undefined {
    return this.services.get(name);
  }

  private firstSight(record: RecordLocation): boolean {
    const key = `${record.topic}/${record.partition}@${record.offset}`;
    if (this.seenRecords.has(key)) return false;
    this.seenRecords.add(key);
    return true;
  }
}

/** The ledger at one moment. */
export interface CheckpointLedgerSnapshot {
  readonly services: Readonly<Record<string, ServiceCheckpoints>>;
  readonly refused: { readonly total: number; readonly recent: readonly RefusedCheckpoint[] };
  readonly undecodable: {
    readonly total: number;
    readonly recent: readonly UndecodableRecord[];
  };
  /** Good checkpoints of services this instance does not watch. */
  readonly ignored: number;
}

interface MutableServiceCheckpoints {
  lastSigned: ServiceCheckpoints['lastSigned'];
  signed: number;
  lastReceived: ServiceCheckpoints['lastReceived'];
  received: number;
  pending: PendingCheckpoint | null;
  superseded: number;
  lastVerified: ComparedCheckpoint | null;
  verified: number;
  mismatches: DigestMismatch[];
  /** The highest position compared, whatever the outcome. */
  comparedUpTo: bigint | undefined;
}

function emptyService(): MutableServiceCheckpoints {
  return {
    lastSigned: null,
    signed: 0,
    lastReceived: null,
    received: 0,
    pending: null,
    superseded: 0,
    lastVerified: null,
    verified: 0,
    mismatches: [],
    comparedUpTo: undefined,
  };
}

function keepNewest<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEPT_REFUSALS) list.splice(0, list.length - KEPT_REFUSALS);
}
