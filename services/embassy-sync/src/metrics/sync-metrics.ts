import type { AlarmCode } from '../status/alarm';
import type { ServiceSyncStatus, SiteStatus, SyncStatus } from '../status/sync-status';
import type { MetricFamily, MetricType, Sample } from './prometheus';

const ALARM_CODES: readonly AlarmCode[] = [
  'site-unreachable',
  'lag',
  'two-primaries',
  'halted-streams',
  'dead-letters',
  'digest-mismatch',
  'bad-signature',
  'undecodable-checkpoint',
];

const SITES = ['primary', 'embassy'] as const;

/**
 * The status as Prometheus metrics: the same snapshot as `GET /status`, so the two never
 * disagree. A figure that is not known (a site never read, a lag without a start) has no
 * sample rather than a made-up one.
 */
export function syncMetrics(status: SyncStatus): MetricFamily[] {
  const services = status.services;
  const perService = (
    name: string,
    type: MetricType,
    help: string,
    value: (service: ServiceSyncStatus) => number | null | undefined,
  ): MetricFamily => ({
    name,
    help,
    type,
    labelNames: ['service', 'topic'],
    samples: services.flatMap((service) => {
      const v = value(service);
      return v === null || v === undefined
        ? []
        : [{ labels: { service: service.service, topic: service.topic }, value: v }];
    }),
  });
  const perSite = (
    name: string,
    help: string,
    value: (site: SiteStatus) => number | null,
  ): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    labelNames: ['service', 'site'],
    samples: services.flatMap((service) =>
      SITES.flatMap((site): Sample[] => {
        const v = value(service[site]);
        return v === null ? [] : [{ labels: { service: service.service, site }, value: v }];
      }),
    ),
  });
  const quantiles = (
    name: string,
    help: string,
    pick: (service: ServiceSyncStatus) => { p50: number; p99: number } | null,
    scale: number,
  ): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    labelNames: ['service', 'topic', 'quantile'],
    samples: services.flatMap((service): Sample[] => {
      const figures = pick(service);
      if (!figures) return [];
      const labels = { service: service.service, topic: service.topic };
      return [
        { labels: { ...labels, quantile: '0.5' }, value: figures.p50 * scale },
        { labels: { ...labels, quantile: '0.99' }, value: figures.p99 * scale },
      ];
    }),
  });
  const position = (value: string | null | undefined): number | null =>
    value === null || value === undefined ? null : Number(value);
  const seconds = (iso: string | null | undefined): number | null =>
    iso === null || iso === undefined ? null : Date.parse(iso) / 1000;

  return [
    perService(
      'embassy_sync_primary_head',
      'gauge',
      'Gapless head of the service log on the primary site (last known).',
      (s) => position(s.primary.head),
    ),
    perService(
      'embassy_sync_embassy_head',
      'gauge',
      'Gapless head of the service log applied on the embassy (last known).',
      (s) => position(s.embassy.head),
    ),
    perService(
      'embassy_sync_lag_events',
      'gauge',
      'Events the primary holds and the embassy does not yet.',
      (s) => s.lag?.events,
    ),
    perService(
      'embassy_sync_lag_seconds',
      'gauge',
      'Span of primary writes not yet at the embassy (primary head recorded-at minus embassy head recorded-at); 0 when caught up.',
      (s) => (s.lag?.ms === null || s.lag?.ms === undefined ? null : s.lag.ms / 1000),
    ),
    perService(
      'embassy_sync_lag_stale',
      'gauge',
      '1 when a site did not answer the last poll and the lag uses its last known head.',
      (s) => (s.lag === null ? null : s.lag.basis === 'stale' ? 1 : 0),
    ),
    quantiles(
      'embassy_sync_lag_window_events',
      'Lag in events over the rolling window, by quantile (nearest rank).',
      (s) => s.window.lagEvents,
      1,
    ),
    quantiles(
      'embassy_sync_lag_window_seconds',
      'Lag in seconds over the rolling window, by quantile (nearest rank).',
      (s) => s.window.lagMs,
      1 / 1000,
    ),
    perSite(
      'embassy_sync_site_up',
      '1 when the service answered its replication status on the site in the last poll.',
      (site) => (site.up ? 1 : 0),
    ),
    {
      name: 'embassy_sync_site_role',
      help: 'The service role on the site (1 for the current role), as last read.',
      type: 'gauge',
      labelNames: ['service', 'site', 'role'],
      samples: services.flatMap((service) =>
        SITES.flatMap((site): Sample[] => {
          const role = service[site].role;
          return role === null
            ? []
            : [{ labels: { service: service.service, site, role }, value: 1 }];
        }),
      ),
    },
    perSite(
      'embassy_sync_halted_streams',
      'Streams the replica on the site halted on a broken hash chain.',
      (site) => (site.role === null ? null : site.halted.length),
    ),
    perSite(
      'embassy_sync_dead_letters',
      'Mirrored records the replica on the site dead-lettered since it started.',
      (site) => (site.role === null ? null : site.deadLetters.length),
    ),
    perService(
      'embassy_sync_checkpoint_signed_position',
      'gauge',
      'Log position of the last checkpoint this instance signed.',
      (s) => position(s.checkpoints.lastSigned?.position),
    ),
    perService(
      'embassy_sync_checkpoints_signed_total',
      'counter',
      'Checkpoints this instance signed and published.',
      (s) => s.checkpoints.signed,
    ),
    perService(
      'embassy_sync_checkpoint_received_position',
      'gauge',
      'Log position of the last checkpoint received with a good signature.',
      (s) => position(s.checkpoints.lastReceived?.position),
    ),
    perService(
      'embassy_sync_checkpoint_received_timestamp_seconds',
      'gauge',
      'When the last checkpoint with a good signature was received.',
      (s) => seconds(s.checkpoints.lastReceived?.receivedAt),
    ),
    perService(
      'embassy_sync_checkpoint_verified_position',
      'gauge',
      'Log position of the last checkpoint whose digest equals this site.',
      (s) => position(s.checkpoints.lastVerified?.position),
    ),
    perService(
      'embassy_sync_checkpoint_verified_timestamp_seconds',
      'gauge',
      'When the last checkpoint was verified.',
      (s) => seconds(s.checkpoints.lastVerified?.verifiedAt),
    ),
    perService(
      'embassy_sync_checkpoints_pending',
      'gauge',
      'Checkpoints waiting for this site to reach their position.',
      (s) => s.checkpoints.pending,
    ),
    perService(
      'embassy_sync_checkpoint_mismatches_total',
      'counter',
      'Checkpoints whose digest differs from this site at the same position.',
      (s) => s.checkpoints.mismatches,
    ),
    {
      name: 'embassy_sync_checkpoint_bad_signatures_total',
      help: 'Checkpoint records refused for their signature or key.',
      type: 'counter',
      labelNames: [],
      samples: [{ value: status.checkpoints.badSignatures }],
    },
    {
      name: 'embassy_sync_checkpoint_undecodable_total',
      help: 'Records on the checkpoint topic that are no checkpoint (dead-lettered).',
      type: 'counter',
      labelNames: [],
      samples: [{ value: status.checkpoints.undecodable }],
    },
    {
      name: 'embassy_sync_alarm',
      help: '1 when the replication status is in alarm.',
      type: 'gauge',
      labelNames: [],
      samples: [{ value: status.alarm.state === 'alarm' ? 1 : 0 }],
    },
    {
      name: 'embassy_sync_alarm_reasons',
      help: 'Alarm reasons by code.',
      type: 'gauge',
      labelNames: ['code'],
      samples: ALARM_CODES.map((code) => ({
        labels: { code },
        value: status.alarm.reasons.filter((reason) => reason.code === code).length,
      })),
    },
  ];
}
