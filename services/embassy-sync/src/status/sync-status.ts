import type {
  CheckpointLedgerSnapshot,
  ServiceCheckpoints,
} from '../checkpoints/checkpoint-ledger';
import type { CheckpointConsumerState } from '../consumers/checkpoints.consumer';
import type { Percentiles } from '../monitor/lag-window';
import type { ServiceView, SiteName, SiteView } from '../monitor/replication-monitor.service';
import type { ServiceRole } from '../monitor/replication-client';
import { assessAlarm } from './alarm';
import type { Alarm } from './alarm';

/** One service on one site, as `GET /status` reports it. */
export interface SiteStatus {
  readonly url: string;
  /** Whether the last poll read the service's replication status. */
  readonly up: boolean;
  /** Why not, when `up` is false. */
  readonly error: string | null;
  /** The rest is from the last status read (`readAt`), null if none was ever read. */
  readonly role: ServiceRole | null;
  /** The gapless head of the log (decimal). */
  readonly head: string | null;
  readonly headRecordedAt: string | null;
  readonly replicaRunning: boolean | null;
  readonly halted: readonly Readonly<Record<string, unknown>>[];
  readonly deadLetters: readonly Readonly<Record<string, unknown>>[];
  readonly readAt: string | null;
}

/** Checkpoints of one service, as this instance knows them. */
export interface ServiceCheckpointStatus {
  readonly lastSigned: {
    readonly position: string;
    readonly digest: string;
    readonly signedAt: string;
  } | null;
  readonly signed: number;
  readonly lastReceived: {
    readonly position: string;
    readonly digest: string;
    readonly signedAt: string;
    readonly receivedAt: string;
  } | null;
  readonly received: number;
  /** Checkpoints waiting for this site's log to reach their position (the newest only: 0 or 1). */
  readonly pending: number;
  readonly pendingPosition: string | null;
  /** Replaced by a later checkpoint before they could be compared. */
  readonly superseded: number;
  readonly lastVerified: {
    readonly position: string;
    readonly digest: string;
    readonly signedAt: string;
    readonly verifiedAt: string;
  } | null;
  readonly verified: number;
  readonly mismatches: number;
}

/** One watched service. */
export interface ServiceSyncStatus {
  readonly service: string;
  readonly topic: string;
  readonly primary: SiteStatus;
  readonly embassy: SiteStatus;
  /**
   * The embassy's lag behind the primary: `events` (primary head − embassy head, ≥ 0) and `ms`
   * (the span of the primary's writes not yet at the embassy; 0 when caught up, null when the
   * embassy holds nothing yet). `basis: stale` when a site did not answer the last poll and its
   * last known head stands in. Null until both sites were read once.
   */
  readonly lag: {
    readonly events: number;
    readonly ms: number | null;
    readonly basis: 'live' | 'stale';
  } | null;
  readonly window: {
    readonly minutes: number;
    readonly samples: number;
    readonly lagEvents: Percentiles | null;
    readonly lagMs: Percentiles | null;
  };
  readonly checkpoints: ServiceCheckpointStatus;
  readonly polledAt: string | null;
}

/** `GET /status`. */
export interface SyncStatus {
  readonly service: 'embassy-sync';
  /** The site this instance runs on: it signs there, and verifies against that site's digests. */
  readonly site: SiteName;
  readonly alarm: Alarm;
  readonly services: readonly ServiceSyncStatus[];
  readonly checkpoints: {
    readonly signing: {
      readonly enabled: boolean;
      readonly keyId: string | null;
      readonly topic: string;
      readonly intervalMs: number;
    };
    readonly verifying: {
      readonly enabled: boolean;
      readonly keyId: string | null;
      readonly topic: string | null;
      readonly consumer: CheckpointConsumerState;
      readonly error: string | null;
    };
    readonly badSignatures: number;
    readonly undecodable: number;
    /** Good checkpoints of services this instance does not watch. */
    readonly ignored: number;
  };
  readonly pollIntervalMs: number;
  readonly at: string;
}

/** What the status is made of. */
export interface SyncStatusInputs {
  readonly site: SiteName;
  readonly views: readonly ServiceView[];
  readonly ledger: CheckpointLedgerSnapshot;
  /** The lag (ms) above which the status is in alarm. */
  readonly lagAlarmMs: number;
  readonly signing: SyncStatus['checkpoints']['signing'];
  readonly verifying: SyncStatus['checkpoints']['verifying'];
  readonly pollIntervalMs: number;
  readonly now: Date;
}

export function buildSyncStatus(inputs: SyncStatusInputs): SyncStatus {
  const { views, ledger, now } = inputs;
  return {
    service: 'embassy-sync',
    site: inputs.site,
    alarm: assessAlarm(views, ledger, { lagAlarmMs: inputs.lagAlarmMs }),
    services: views.map((view) => {
      const window = view.window.summary(now.getTime());
      return {
        service: view.service.name,
        topic: view.service.topic,
        primary: siteStatus(view.primary),
        embassy: siteStatus(view.embassy),
        lag: view.lag,
        window: {
          minutes: window.minutes,
          samples: window.samples,
          lagEvents: window.events,
          lagMs: window.ms,
        },
        checkpoints: checkpointStatus(ledger.services[view.service.name]),
        polledAt: view.polledAt?.toISOString() ?? null,
      };
    }),
    checkpoints: {
      signing: inputs.signing,
      verifying: inputs.verifying,
      badSignatures: ledger.refused.total,
      undecodable: ledger.undecodable.total,
      ignored: ledger.ignored,
    },
    pollIntervalMs: inputs.pollIntervalMs,
    at: now.toISOString(),
  };
}

function siteStatus(site: SiteView): SiteStatus {
  const status = site.status;
  return {
    url: site.url,
    up: site.up,
    error: site.error,
    role: status?.role ?? null,
    head: status?.head.toString() ?? null,
    headRecordedAt: status?.headRecordedAt?.toISOString() ?? null,
    replicaRunning: status?.replicaRunning ?? null,
    halted: status?.halted ?? [],
    deadLetters: status?.deadLetters ?? [],
    readAt: site.readAt?.toISOString() ?? null,
  };
}

function checkpointStatus(state: ServiceCheckpoints | undefined): ServiceCheckpointStatus {
  const signed = state?.lastSigned;
  const received = state?.lastReceived;
  const verified = state?.lastVerified;
  return {
    lastSigned: signed
      ? { position: signed.position, digest: signed.digest, signedAt: signed.signedAt }
      : null,
    signed: state?.signed ?? 0,
    lastReceived: received
      ? {
          position: received.position,
          digest: received.digest,
          signedAt: received.signedAt,
          receivedAt: received.receivedAt.toISOString(),
        }
      : null,
    received: state?.received ?? 0,
    pending: state?.pending ? 1 : 0,
    pendingPosition: state?.pending?.payload.position ?? null,
    superseded: state?.superseded ?? 0,
    lastVerified: verified
      ? {
          position: verified.position,
          digest: verified.digest,
          signedAt: verified.signedAt,
          verifiedAt: verified.comparedAt.toISOString(),
        }
      : null,
    verified: state?.verified ?? 0,
    mismatches: state?.mismatches.length ?? 0,
  };
}

/** `GET /status/history`: the lag over the window, per watched service. */
export interface SyncHistory {
  readonly service: 'embassy-sync';
  readonly site: SiteName;
  readonly minutes: number;
  readonly pollIntervalMs: number;
  readonly services: readonly {
    readonly service: string;
    /** Oldest first; `at` as an ISO instant. At most the points asked for (worst per slice). */
    readonly samples: readonly {
      readonly at: string;
      readonly events: number;
      readonly ms: number | null;
    }[];
  }[];
  readonly at: string;
}

/** The most points `GET /status/history` gives per service. */
export const MAX_HISTORY_POINTS = 600;

export function buildSyncHistory(inputs: {
  readonly site: SiteName;
  readonly views: readonly ServiceView[];
  readonly minutes: number;
  readonly pollIntervalMs: number;
  readonly points: number;
  readonly now: Date;
}): SyncHistory {
  return {
    service: 'embassy-sync',
    site: inputs.site,
    minutes: inputs.minutes,
    pollIntervalMs: inputs.pollIntervalMs,
    services: inputs.views.map((view) => ({
      service: view.service.name,
      samples: view.window.history(inputs.now.getTime(), inputs.points).map((point) => ({
        at: new Date(point.at).toISOString(),
        events: point.events,
        ms: point.ms,
      })),
    })),
    at: inputs.now.toISOString(),
  };
}
