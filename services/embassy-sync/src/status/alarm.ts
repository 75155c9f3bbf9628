import type { CheckpointLedgerSnapshot } from '../checkpoints/checkpoint-ledger';
import type { ServiceView, SiteName } from '../monitor/replication-monitor.service';

/** Why the status is in alarm. */
export type AlarmCode =
  /** A site's service did not answer its replication status (down, or refusing our token). */
  | 'site-unreachable'
  /** Both sites' service are primary: two writers of one log. */
  | 'two-primaries'
  /** The embassy lacks more than the configured span of primary writes (an RPO limit). */
  | 'lag'
  /** A replica stopped streams on a broken hash chain. */
  | 'halted-streams'
  /** A replica dead-lettered mirrored records. */
  | 'dead-letters'
  /** A checkpoint's digest differs from this site's at the same position. */
  | 'digest-mismatch'
  /** A checkpoint's signature does not verify, or an unknown key signed it. */
  | 'bad-signature'
  /** A record on the checkpoint topic is no checkpoint (dead-lettered). */
  | 'undecodable-checkpoint';

/** One reason, with what an operator needs to look into it. */
export interface AlarmReason {
  readonly code: AlarmCode;
  readonly service?: string;
  readonly site?: SiteName;
  readonly detail: string;
  /** The checkpoint concerned (`digest-mismatch`, `bad-signature`). */
  readonly checkpoint?: {
    readonly service: string;
    readonly position: string;
    readonly digest: string;
    readonly signedAt: string;
    readonly keyId?: string;
    /** This site's digest (`digest-mismatch`). */
    readonly actual?: string;
  };
  /** Where the record was read (`bad-signature`, `undecodable-checkpoint`). */
  readonly record?: { readonly topic: string; readonly partition: number; readonly offset: string };
  /** When it was detected, for events rather than conditions. */
  readonly at?: string;
}

export interface Alarm {
  readonly state: 'ok' | 'alarm';
  readonly reasons: readonly AlarmReason[];
}

/**
 * The alarm from the current view of the sites and the checkpoint ledger. Conditions (a site
 * down, halted streams, dead letters) clear when they do; checkpoint refusals and mismatches
 * stay until the process restarts, each an incident for an operator.
 */
export function assessAlarm(
  views: readonly ServiceView[],
  checkpoints: CheckpointLedgerSnapshot,
  limits: { readonly lagAlarmMs: number },
): Alarm {
  const reasons: AlarmReason[] = [];
  for (const view of views) {
    const service = view.service.name;
    const lagMs = view.lag?.ms ?? null;
    if (lagMs !== null && lagMs > limits.lagAlarmMs) {
      reasons.push({
        code: 'lag',
        service,
        site: 'embassy',
        detail: `the embassy lacks ${String(view.lag?.events ?? 0)} event(s), ${String(lagMs)} ms of primary writes (limit ${String(limits.lagAlarmMs)} ms)`,
      });
    }
    for (const site of [view.primary, view.embassy]) {
      if (view.polledAt !== null && !site.up) {
        reasons.push({
          code: 'site-unreachable',
          service,
          site: site.site,
          detail: `${site.site} ${service} (${site.url}): ${site.error ?? 'no answer'}`,
        });
      }
      const status = site.status;
      if (!status) continue;
      if (status.halted.length > 0) {
        reasons.push({
          code: 'halted-streams',
          service,
          site: site.site,
          detail: `${status.halted.length} stream(s) halted on the ${site.site} site`,
        });
      }
      if (status.deadLetters.length > 0) {
        reasons.push({
          code: 'dead-letters',
          service,
          site: site.site,
          detail: `${status.deadLetters.length} mirrored record(s) dead-lettered on the ${site.site} site`,
        });
      }
    }
    if (
      view.primary.up &&
      view.embassy.up &&
      view.primary.status?.role === 'primary' &&
      view.embassy.status?.role === 'primary'
    ) {
      reasons.push({
        code: 'two-primaries',
        service,
        detail: `${service} is primary on both sites: fence one of them`,
      });
    }
    for (const mismatch of checkpoints.services[service]?.mismatches ?? []) {
      reasons.push({
        code: 'digest-mismatch',
        service,
        detail: `${service} at ${mismatch.position}: signed ${mismatch.digest}, this site has ${mismatch.actual}`,
        checkpoint: {
          service,
          position: mismatch.position,
          digest: mismatch.digest,
          signedAt: mismatch.signedAt,
          actual: mismatch.actual,
        },
        at: mismatch.comparedAt.toISOString(),
      });
    }
  }
  for (const refusal of checkpoints.refused.recent) {
    const { payload, keyId } = refusal.checkpoint;
    reasons.push({
      code: 'bad-signature',
      service: payload.service,
      detail: `checkpoint of ${payload.service} at ${payload.position} refused: ${refusal.problem}`,
      checkpoint: { ...payload, keyId },
      record: refusal.record,
      at: refusal.at.toISOString(),
    });
  }
  for (const undecodable of checkpoints.undecodable.recent) {
    reasons.push({
      code: 'undecodable-checkpoint',
      detail: undecodable.error,
      record: undecodable.record,
      at: undecodable.at.toISOString(),
    });
  }
  return { state: reasons.length === 0 ? 'ok' : 'alarm', reasons };
}
