import { formatsFor } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import { consoleData, statusKey } from './console-data';
import type { ReplicationStatus, SyncStatus } from './console-api';
import { alarmMeaning, consoleBody, drillBody, liveFigures } from './console.view';
import { CONSOLE } from './console.messages';

const page: PageContext = {
  language: 'en',
  formats: formatsFor('en'),
  session: undefined,
  csrf: 'token',
  here: '/console',
  site: 'primary',
};

const status = (role: string, head: string, reason?: string): ReplicationStatus => ({
  service: 'registry',
  role,
  roleChange: reason === undefined ? null : { role, reason, changedAt: '2026-11-22T09:00:00.000Z' },
  head,
  headRecordedAt: null,
  unpositioned: 0,
  relays: {},
  replica: { running: role === 'replica', halted: [], deadLetters: [{}] },
});

const SYNC: SyncStatus = {
  site: 'primary',
  alarm: {
    state: 'alarm',
    reasons: [{ code: 'dead-letters', service: 'registry', site: 'embassy', detail: '1 record' }],
  },
  services: [
    {
      service: 'registry',
      lag: { events: 6, ms: 300, basis: 'stale' },
      window: {
        minutes: 5,
        samples: 300,
        lagEvents: { p50: 2, p99: 9, max: 14 },
        lagMs: { p50: 95, p99: 610.4, max: 840 },
      },
      checkpoints: {
        lastSigned: null,
        signed: 0,
        pending: 0,
        pendingPosition: null,
        lastVerified: {
          position: '120',
          digest: 'sha256:abc',
          verifiedAt: '2026-11-22T09:15:00.000Z',
        },
        verified: 61,
        mismatches: 0,
      },
    },
  ],
  pollIntervalMs: 1000,
  at: '2026-11-22T09:15:02.705Z',
};

const data = (sync: SyncStatus | undefined, reason?: string) =>
  consoleData({
    services: [{ name: 'registry', primaryUrl: 'http://p', embassyUrl: 'http://e' }],
    sync,
    history: {
      minutes: 5,
      at: '2026-11-22T09:15:02.705Z',
      services: [
        {
          service: 'registry',
          samples: [{ at: '2026-11-22T09:15:01.000Z', events: 6, ms: 300 }],
        },
      ],
    },
    statuses: new Map<string, ReplicationStatus | { error: string }>([
      [statusKey('registry', 'primary'), status('primary', '126', reason)],
      [statusKey('registry', 'embassy'), { error: 'no answer' }],
    ]),
    now: new Date('2026-11-22T09:15:03Z'),
  });

describe('the console’s figures', () => {
  it('says roles, heads, lag, checkpoints and alarms in words', () => {
    const figures = liveFigures(page, data(SYNC));

    expect(figures.fields).toMatchObject({
      'registry/primary/role': 'primary',
      'registry/primary/head': '126',
      'registry/primary/state': '1 dead-lettered record(s)',
      'registry/embassy/role': 'does not answer',
      'registry/embassy/head': '—',
      'registry/lag-now':
        'Now: 6 event(s) behind, 300 ms. Estimated: a site does not answer, its last known head stands in.',
      'registry/lag-window':
        'Over the last 5 min (300 samples): p50 95 ms, p99 610 ms, max 840 ms.',
      'registry/verified': 'position 120, 22 Nov 2026, 10:15:00',
      'registry/digest': 'sha256:abc',
      alarms: '1 alarm(s)',
    });
    expect(figures.rows['alarms']).toEqual([
      ['registry', 'Data embassy', CONSOLE.in('en')('alarmDeadLetters'), '1 record'],
    ]);
    expect(figures.rows['registry/samples']).toEqual([['22 Nov 2026, 10:15:01', '6', '300 ms']]);
    expect(figures.charts['registry']?.d).toMatch(/^M[\d.]+ [\d.]+$/);
    expect(figures.empty).toEqual([]);
  });

  it('says that the embassy verifies the checkpoints when this site’s embassy-sync only signs', () => {
    const signing: SyncStatus = {
      ...SYNC,
      checkpoints: { verifying: { enabled: false } },
      services: SYNC.services.map((s) => ({
        ...s,
        checkpoints: { ...s.checkpoints, lastVerified: null },
      })),
    };

    expect(liveFigures(page, data(signing)).fields['registry/verified']).toBe(
      'not here: the data embassy’s embassy-sync verifies the checkpoints (see its console)',
    );
    expect(
      liveFigures(page, data({ ...signing, checkpoints: { verifying: { enabled: true } } })).fields[
        'registry/verified'
      ],
    ).toBe('none');
  });

  it('says when embassy-sync does not answer, and hides the empty alarm table', () => {
    const figures = liveFigures(page, data(undefined));

    expect(figures.fields['alarms']).toBe(CONSOLE.in('en')('alarmsUnavailable'));
    expect(figures.fields['registry/lag-now']).toBe('Now: not known yet (a site was never read).');
    expect(figures.empty).toContain('alarms');
  });

  it('explains every alarm code embassy-sync has, in three languages, and names unknown ones', () => {
    const codes = [
      'site-unreachable',
      'lag',
      'two-primaries',
      'halted-streams',
      'dead-letters',
      'digest-mismatch',
      'bad-signature',
      'undecodable-checkpoint',
    ];
    for (const language of ['en', 'fr', 'de'] as const) {
      const t = CONSOLE.in(language);
      const meanings = new Set(codes.map((code) => alarmMeaning(t, code)));
      expect(meanings.size).toBe(codes.length);
      expect([...meanings].some((m) => m.includes('{'))).toBe(false);
    }
    expect(alarmMeaning(CONSOLE.in('en'), 'new-code')).toBe(
      'Alarm “new-code” (not known to this console).',
    );
  });

  it('escapes what a service says (a role change’s reason) and offers the actions of each role', () => {
    const body = consoleBody(
      page,
      data(SYNC, '<img src=x onerror=alert(1)>'),
      undefined,
    ).toString();

    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(body).not.toContain('<img');
    expect(body).toContain('action=fence');
    expect(body).not.toContain('action=promote');
  });
});

describe('the drill page', () => {
  it('shows the verdict and the figures of the report', () => {
    const body = drillBody(page, {
      kind: 'report',
      finishedAt: '2026-11-22T09:15:00.000Z',
      report: {
        scenario: 'planned',
        events: 300,
        rpo_events: 0,
        rpo_ms: 0,
        rto_ms: 812,
        replay_events_per_s: 41_000,
        digests: { registry: { primary: 'sha256:a', embassy: 'sha256:b', position: '430' } },
        identical: false,
        position: '430',
      },
    }).toString();

    expect(body).toContain('DIFFERENT between the sites');
    expect(body).toContain('812 ms');
    expect(body).toContain('41,000 events/s');
    expect(body).toContain('22 Nov 2026, 10:15:00');
    expect(body).toContain('verdict-bad');
  });
});
