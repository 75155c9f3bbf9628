import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { drillReport, writeDrillReport } from './drill-report';

const FIGURES = {
  scenario: 'planned',
  events: 300,
  rpo_events: 0,
  rpo_ms: 0,
  rto_ms: 812,
  replay_events_per_s: 41_000,
  digests: { registry: { primary: 'sha256:a', embassy: 'sha256:a', position: '430' } },
  identical: true,
  position: '430',
  raw_consume_events_per_s: 90_000,
  replay_ratio_to_raw_consume: 0.46,
  load_events_per_s: 900,
  discarded_on_promotion: 0,
};

describe('the drill report', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drill-report-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the promised figures first and says when the drill finished', () => {
    const report = drillReport(
      { ...FIGURES, discarded_on_promotion: 2, scenario: 'unplanned' },
      new Date('2026-11-22T09:15:00Z'),
    );

    expect(Object.keys(report).slice(0, 6)).toEqual([
      'scenario',
      'events',
      'rpo_events',
      'rpo_ms',
      'rto_ms',
      'replay_events_per_s',
    ]);
    expect(report).toMatchObject({ scenario: 'unplanned', discarded_on_promotion: 2 });
    expect(report.finished_at).toBe('2026-11-22T09:15:00.000Z');
    expect(report).not.toHaveProperty('failback');
  });

  it('writes the report whole into a new folder, leaving no partial file', () => {
    const file = join(dir, 'drill', 'last-report.json');
    const report = drillReport(FIGURES, new Date('2026-11-22T09:15:00Z'));

    writeDrillReport(file, report);
    writeDrillReport(file, { ...report, rto_ms: 900 });

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ ...report, rto_ms: 900 });
    expect(readdirSync(join(dir, 'drill'))).toEqual(['last-report.json']);
  });
});
