import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseDrillReport, readDrillReport } from './drill-report';

const REPORT = {
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
  finished_at: '2026-11-22T09:15:00.000Z',
};

describe('the drill report', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'drill-report-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a report as the drill writes it, with when it finished', async () => {
    const file = join(dir, 'last-report.json');
    writeFileSync(file, JSON.stringify(REPORT));

    const read = await readDrillReport(file);

    expect(read).toMatchObject({ kind: 'report', finishedAt: '2026-11-22T09:15:00.000Z' });
    expect(read.kind === 'report' && read.report.rto_ms).toBe(812);
  });

  it('takes the file’s time when the report does not say when it finished', async () => {
    const file = join(dir, 'last-report.json');
    const older: Partial<typeof REPORT> = { ...REPORT };
    delete older.finished_at;
    writeFileSync(file, JSON.stringify(older));

    const read = await readDrillReport(file);

    expect(read.kind === 'report' && Date.parse(read.finishedAt)).toBeGreaterThan(
      Date.now() - 60_000,
    );
  });

  it('says when there is no file, none configured, or one that is not a report', async () => {
    await expect(readDrillReport(undefined)).resolves.toEqual({ kind: 'not-configured' });
    await expect(readDrillReport(join(dir, 'absent.json'))).resolves.toEqual({ kind: 'none' });
    expect(parseDrillReport('{')).toEqual({ ok: false, error: 'not JSON' });
    expect(parseDrillReport(JSON.stringify({ ...REPORT, rto_ms: 'fast' }))).toMatchObject({
      ok: false,
      error: expect.stringContaining('rto_ms') as unknown,
    });
  });
});
