import { CheckpointLedger } from '../checkpoints/checkpoint-ledger';
import { syncMetrics } from '../metrics/sync-metrics';
import { renderExposition } from '../metrics/prometheus';
import { LagWindow } from '../monitor/lag-window';
import type { ServiceView, SiteView } from '../monitor/replication-monitor.service';
import type { SiteReplicationStatus } from '../monitor/replication-client';
import { parseExposition } from '../testing/exposition-parser';
import { buildSyncStatus } from './sync-status';
import type { SyncStatusInputs } from './sync-status';

const NOW = new Date('2026-01-01T10:00:10.000Z');
const SERVICE = {
  name: 'registry',
  topic: 'registry.events.v1',
  primaryUrl: 'http://127.0.0.1:3001',
  embassyUrl: 'http://127.0.0.1:4001',
};

function status(overrides: Partial<SiteReplicationStatus>): SiteReplicationStatus {
  return {
    service: 'registry',
    role: 'primary',
    head: 0n,
    headRecordedAt: null,
    replicaRunning: false,
    halted: [],
    deadLetters: [],
    ...overrides,
  };
}

function site(name: 'primary' | 'embassy', overrides: Partial<SiteView>): SiteView {
  return {
    site: name,
    url: name === 'primary' ? SERVICE.primaryUrl : SERVICE.embassyUrl,
    up: true,
    error: null,
    status: null,
    readAt: NOW,
    ...overrides,
  };
}

function view(primary: Partial<SiteView>, embassy: Partial<SiteView>): ServiceView {
  const window = new LagWindow(5);
  window.add(NOW.getTime() - 2_000, { events: 10, ms: 400 });
  window.add(NOW.getTime() - 1_000, { events: 2, ms: 100 });
  return {
    service: SERVICE,
    primary: site('primary', primary),
    embassy: site('embassy', embassy),
    lag: { events: 2, ms: 100, basis: 'live' },
    window,
    polledAt: NOW,
  };
}

function inputs(
  views: ServiceView[],
  ledger = new CheckpointLedger(['registry']),
): SyncStatusInputs {
  return {
    site: 'embassy',
    views,
    ledger: ledger.snapshot(),
    signing: { enabled: false, keyId: null, topic: 'platform.checkpoints.v1', intervalMs: 5000 },
    verifying: {
      enabled: true,
      keyId: 'ed25519:0000000000000000',
      topic: 'primary.platform.checkpoints.v1',
      consumer: 'running',
      error: null,
    },
    pollIntervalMs: 1000,
    lagAlarmMs: 5_000,
    now: NOW,
  };
}

const healthy = view(
  { status: status({ head: 12n, headRecordedAt: new Date('2026-01-01T10:00:09.000Z') }) },
  {
    status: status({
      role: 'replica',
      head: 10n,
      headRecordedAt: new Date('2026-01-01T10:00:08.900Z'),
      replicaRunning: true,
    }),
  },
);

describe('the replication status', () => {
  it('reports both sites, the lag and its window, and no alarm when all is well', () => {
    const result = buildSyncStatus(inputs([healthy]));

    expect(result.alarm).toEqual({ state: 'ok', reasons: [] });
    expect(result.services[0]).toMatchObject({
      service: 'registry',
      topic: 'registry.events.v1',
      primary: {
        up: true,
        role: 'primary',
        head: '12',
        headRecordedAt: '2026-01-01T10:00:09.000Z',
      },
      embassy: { up: true, role: 'replica', head: '10', replicaRunning: true },
      lag: { events: 2, ms: 100, basis: 'live' },
      window: {
        samples: 2,
        lagEvents: { p50: 2, p99: 10, max: 10 },
        lagMs: { p50: 100, p99: 400, max: 400 },
      },
      checkpoints: { pending: 0, lastVerified: null },
    });
  });

  it('raises the alarm for a site down, halted streams, dead letters and two primaries', () => {
    const embassyDown = view(
      { status: status({ head: 12n }) },
      { up: false, error: 'connection refused', status: status({ role: 'replica', head: 3n }) },
    );
    const troubled = view(
      { status: status({ head: 12n }) },
      {
        status: status({
          role: 'primary',
          head: 12n,
          halted: [{ streamId: 'person-1' }],
          deadLetters: [{ offset: '4' }, { offset: '5' }],
        }),
      },
    );

    expect(buildSyncStatus(inputs([embassyDown])).alarm.reasons).toEqual([
      {
        code: 'site-unreachable',
        service: 'registry',
        site: 'embassy',
        detail: 'embassy registry (http://127.0.0.1:4001): connection refused',
      },
    ]);
    expect(buildSyncStatus(inputs([troubled])).alarm.reasons.map((r) => r.code)).toEqual([
      'halted-streams',
      'dead-letters',
      'two-primaries',
    ]);
  });

  it('raises the lag alarm when the embassy lacks more than the limit of primary writes', () => {
    const behind: ServiceView = { ...healthy, lag: { events: 7_000, ms: 5_001, basis: 'live' } };
    const atLimit: ServiceView = { ...healthy, lag: { events: 6_000, ms: 5_000, basis: 'stale' } };

    expect(buildSyncStatus(inputs([behind])).alarm).toEqual({
      state: 'alarm',
      reasons: [
        {
          code: 'lag',
          service: 'registry',
          site: 'embassy',
          detail: 'the embassy lacks 7000 event(s), 5001 ms of primary writes (limit 5000 ms)',
        },
      ],
    });
    expect(buildSyncStatus(inputs([atLimit])).alarm).toEqual({ state: 'ok', reasons: [] });
    expect(
      buildSyncStatus({ ...inputs([atLimit]), lagAlarmMs: 4_999 }).alarm.reasons.map((r) => r.code),
    ).toEqual(['lag']);
  });

  it('raises the alarm for a digest mismatch and a refused checkpoint, with their details', () => {
    const ledger = new CheckpointLedger(['registry']);
    const payload = {
      service: 'registry',
      position: '10',
      digest: `sha256:${'1'.repeat(64)}`,
      signedAt: '2026-01-01T10:00:00.000Z',
    };
    ledger.received({ payload, signature: 's', keyId: 'k' }, NOW);
    const pending = ledger.pending('registry');
    if (!pending) throw new Error('nothing pending');
    ledger.compared(pending, `sha256:${'2'.repeat(64)}`, NOW);
    ledger.refused({
      problem: 'bad-signature',
      checkpoint: { payload, signature: 's', keyId: 'k' },
      record: { topic: 't', partition: 0, offset: '9' },
      at: NOW,
    });

    const result = buildSyncStatus(inputs([healthy], ledger));

    expect(result.alarm.state).toBe('alarm');
    expect(result.alarm.reasons).toMatchObject([
      {
        code: 'digest-mismatch',
        checkpoint: { position: '10', actual: `sha256:${'2'.repeat(64)}` },
      },
      {
        code: 'bad-signature',
        checkpoint: { position: '10', keyId: 'k' },
        record: { topic: 't', partition: 0, offset: '9' },
      },
    ]);
    expect(result.alarm.reasons).toHaveLength(2);
    expect(result.checkpoints.badSignatures).toBe(1);
    expect(result.services[0]?.checkpoints.mismatches).toBe(1);
  });

  it('as metrics: valid exposition text with the same figures', async () => {
    const text = await renderExposition(syncMetrics(buildSyncStatus(inputs([healthy]))));
    const families = parseExposition(text);
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      families
        .get(name)
        ?.samples.find((sample) =>
          Object.entries(labels).every(([key, v]) => sample.labels[key] === v),
        )?.value;

    const labels = { service: 'registry', topic: 'registry.events.v1' };
    expect(value('embassy_sync_primary_head', labels)).toBe(12);
    expect(value('embassy_sync_embassy_head', labels)).toBe(10);
    expect(value('embassy_sync_lag_events', labels)).toBe(2);
    expect(value('embassy_sync_lag_seconds', labels)).toBe(0.1);
    expect(value('embassy_sync_lag_window_seconds', { ...labels, quantile: '0.99' })).toBe(0.4);
    expect(value('embassy_sync_site_up', { service: 'registry', site: 'embassy' })).toBe(1);
    expect(value('embassy_sync_site_role', { site: 'embassy', role: 'replica' })).toBe(1);
    expect(value('embassy_sync_halted_streams', { site: 'embassy' })).toBe(0);
    expect(value('embassy_sync_alarm')).toBe(0);
    expect(families.get('embassy_sync_checkpoint_verified_position')?.samples).toEqual([]);
    expect(families.get('embassy_sync_checkpoint_mismatches_total')?.type).toBe('counter');
  });
});
