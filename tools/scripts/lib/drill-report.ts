// The failover drill's report: the JSON object `npm run drill` prints as the last line of its
// standard output and also writes to a file (by default `.cache/drill/last-report.json`), where
// `npm start` points the portal's operator console (`PORTAL_DRILL_REPORT_FILE`).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { cacheDir } from '@gov/platform-infra';

import type { PairOfDigests } from './switchover';

/** Where the drill writes its report unless `--report FILE` says otherwise. */
export function defaultDrillReportFile(): string {
  return join(cacheDir(), 'drill', 'last-report.json');
}

/**
 * A person erased on the primary before the failover, and what each site answers afterwards:
 * 410 on both, and the embassy's copy of their key destroyed (or never received).
 */
export interface ErasureReport {
  readonly subject: string;
  /** `GET /persons/{subject}` on the primary right after the erasure. */
  readonly primary_status: number;
  /** The same read on the promoted embassy. */
  readonly embassy_status: number;
  /** The embassy's copy of the subject's key. */
  readonly embassy_key: 'destroyed' | 'never received' | 'LIVE';
  /**
   * The other services that sealed data of the subject (procedures: a personal-space item;
   * letterbox: a letter): the promoted embassy's answer to the person's read, and its copy of
   * that service's key of the person.
   */
  readonly services: readonly {
    readonly service: string;
    readonly embassy_status: number;
    readonly embassy_key: 'destroyed' | 'never received' | 'LIVE';
  }[];
  /** Every site and service answers 410 and the embassy holds no live key of the subject. */
  readonly unreadable: boolean;
}

/** The failback after a planned failover: back to the original primary. */
export interface FailbackReport {
  /** From fencing the embassy to the original primary serving reads and writes. */
  readonly rto_ms: number;
  /** The position the original primary took over at. */
  readonly position: string;
  /** Digests equal at the switch, and again once the embassy followed the primary anew. */
  readonly identical: boolean;
  readonly digest: string;
}

export interface DrillReport {
  readonly scenario: string;
  readonly events: number;
  readonly rpo_events: number;
  readonly rpo_ms: number;
  readonly rto_ms: number;
  readonly replay_events_per_s: number;
  readonly digests: Record<string, PairOfDigests>;
  readonly identical: boolean;
  readonly position: string;
  readonly raw_consume_events_per_s: number;
  readonly replay_ratio_to_raw_consume: number;
  readonly load_events_per_s: number;
  readonly discarded_on_promotion: number;
  readonly erasure?: ErasureReport;
  readonly failback?: FailbackReport;
  /** When the drill finished (ISO 8601). */
  readonly finished_at: string;
}

/**
 * The report with its keys in the order the drill promises (the figures an operator reads
 * first, then the others), stamped with when it finished.
 */
export function drillReport(
  figures: Omit<DrillReport, 'finished_at'>,
  finishedAt: Date,
): DrillReport {
  return {
    scenario: figures.scenario,
    events: figures.events,
    rpo_events: figures.rpo_events,
    rpo_ms: figures.rpo_ms,
    rto_ms: figures.rto_ms,
    replay_events_per_s: figures.replay_events_per_s,
    digests: figures.digests,
    identical: figures.identical,
    position: figures.position,
    raw_consume_events_per_s: figures.raw_consume_events_per_s,
    replay_ratio_to_raw_consume: figures.replay_ratio_to_raw_consume,
    load_events_per_s: figures.load_events_per_s,
    discarded_on_promotion: figures.discarded_on_promotion,
    ...(figures.erasure ? { erasure: figures.erasure } : {}),
    ...(figures.failback ? { failback: figures.failback } : {}),
    finished_at: finishedAt.toISOString(),
  };
}

/**
 * Writes `report` to `file` (its folder created), replacing it whole: written beside it, then
 * renamed, so that a reader (the console) never sees half a report.
 */
export function writeDrillReport(file: string, report: DrillReport): void {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(partial, file);
}
