// The parts of embassy-sync's and the replicated services' answers the console reads. The
// portal may not import their libraries (module boundaries), so these mirror the documented
// JSON (services/embassy-sync/README.md, `GET /replication/status` in each service's OpenAPI):
// only the fields shown, each optional where a site may not have said it.

/** The two sites, as the platform names them. */
export const SITES = ['primary', 'embassy'] as const;
export type SiteName = (typeof SITES)[number];

/** What an operator may do to one service on one site. */
export const ACTIONS = ['fence', 'promote', 'demote'] as const;
export type ReplicationAction = (typeof ACTIONS)[number];

/** `GET /replication/status` of one service on one site. */
export interface ReplicationStatus {
  readonly service: string;
  readonly role: string;
  readonly roleChange: {
    readonly role: string;
    readonly reason: string;
    readonly changedAt: string;
  } | null;
  readonly head: string;
  readonly headRecordedAt: string | null;
  readonly unpositioned: number;
  readonly relays: Readonly<Record<string, string>>;
  readonly replica: {
    readonly running: boolean;
    readonly halted: readonly unknown[];
    readonly deadLetters: readonly unknown[];
  };
}

/** `GET /replication/digest`. */
export interface ReplicationDigest {
  readonly service: string;
  readonly position: string;
  readonly digest: string;
  readonly projections: Readonly<
    Record<string, { readonly position: string; readonly digest: string; readonly rows: number }>
  >;
}

/** `POST /replication/promote`. */
export interface Promotion {
  readonly role: string;
  readonly position: string;
  readonly discarded: number;
  readonly changedAt: string;
}

/** `POST /replication/fence` and `/demote`. */
export interface RoleChange {
  readonly role: string;
  readonly reason: string;
  readonly changedAt: string;
}

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** One service of embassy-sync's `GET /status`. */
export interface SyncServiceStatus {
  readonly service: string;
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
  readonly checkpoints: {
    readonly lastSigned: {
      readonly position: string;
      readonly digest: string;
      readonly signedAt: string;
    } | null;
    readonly signed: number;
    readonly pending: number;
    readonly pendingPosition: string | null;
    readonly lastVerified: {
      readonly position: string;
      readonly digest: string;
      readonly verifiedAt: string;
    } | null;
    readonly verified: number;
    readonly mismatches: number;
  };
}

/** One reason of embassy-sync's alarm. */
export interface AlarmReason {
  readonly code: string;
  readonly service?: string;
  readonly site?: string;
  readonly detail: string;
}

/** embassy-sync's `GET /status`. */
export interface SyncStatus {
  readonly site: string;
  readonly alarm: { readonly state: 'ok' | 'alarm'; readonly reasons: readonly AlarmReason[] };
  readonly services: readonly SyncServiceStatus[];
  /** Whether this instance verifies checkpoints (the embassy's) or only signs them. */
  readonly checkpoints?: { readonly verifying?: { readonly enabled: boolean } };
  readonly pollIntervalMs: number;
  readonly at: string;
}

/** One sample of the lag (embassy-sync's `GET /status/history`). */
export interface LagSample {
  readonly at: string;
  readonly events: number;
  readonly ms: number | null;
}

/** embassy-sync's `GET /status/history`. */
export interface SyncHistory {
  readonly minutes: number;
  readonly services: readonly {
    readonly service: string;
    readonly samples: readonly LagSample[];
  }[];
  readonly at: string;
}

/** The actions that make sense for a site in `role` (the service refuses the others: 409). */
export function actionsFor(role: string | undefined): readonly ReplicationAction[] {
  switch (role) {
    case 'primary':
      return ['fence'];
    case 'fenced':
      return ['promote', 'demote'];
    case 'replica':
      return ['promote'];
    default:
      return [];
  }
}

export function isSite(value: unknown): value is SiteName {
  return value === 'primary' || value === 'embassy';
}

export function isAction(value: unknown): value is ReplicationAction {
  return value === 'fence' || value === 'promote' || value === 'demote';
}
