// `npm run drill` as an operator runs it: a child process that starts and stops everything it
// needs, and whose last line of standard output is the report.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '@gov/platform-infra';

interface Report {
  scenario: string;
  events: number;
  rpo_events: number;
  rpo_ms: number;
  rto_ms: number;
  replay_events_per_s: number;
  digests: Record<string, { primary: string; embassy: string; position?: string }>;
  identical: boolean;
  position: string;
  discarded_on_promotion: number;
  failback?: { rto_ms: number; position: string; identical: boolean; digest: string };
  erasure?: {
    subject: string;
    primary_status: number;
    embassy_status: number;
    embassy_key: string;
    services: { service: string; embassy_status: number; embassy_key: string }[];
    unreadable: boolean;
  };
  finished_at: string;
}

function drill(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('@swc-node/register'),
        join(repoRoot(), 'tools/scripts/drill.ts'),
        ...args,
      ],
      { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

function lastLine(text: string): Report {
  const lines = text.trim().split('\n');
  return JSON.parse(lines.at(-1) ?? '') as Report;
}

describe('npm run drill', () => {
  it('fails over as planned with no loss and identical digests, and fails back', async () => {
    const reportFile = join(mkdtempSync(join(tmpdir(), 'drill-report-')), 'report.json');
    const run = await drill([
      '--events',
      '300',
      '--scenario',
      'planned',
      '--failback',
      '--report',
      reportFile,
    ]);

    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    const report = lastLine(run.stdout);
    // The same report in the file the console shows.
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(report);
    expect(Date.parse(report.finished_at)).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(report).toMatchObject({
      scenario: 'planned',
      events: 300,
      rpo_events: 0,
      rpo_ms: 0,
      identical: true,
      // The two agency feeds' first cuts (ccss, cae: one AgencyFeedCut each, at the start);
      // 300 persons, then 30 correction requests: 10 accepted (3 events each: the acceptance,
      // the record change, the communication to those who read the record: none yet),
      // 10 rejected; then 10 vehicles registered, 5 of them transferred and 2 deregistered (17
      // events); then 20 persons' records read twice by ccss (one access event each); then
      // 10 family-allowance cases, each read once by the prefill and once by the back office;
      // then one person registered and erased (2 events).
      position: '451',
      discarded_on_promotion: 0,
    });
    expect(report.rto_ms).toBeGreaterThan(0);
    expect(report.replay_events_per_s).toBeGreaterThan(0);
    // The person erased before the failover: unreadable on the promoted embassy too.
    expect(report.erasure).toMatchObject({
      primary_status: 410,
      embassy_status: 410,
      unreadable: true,
    });
    expect(['destroyed', 'never received']).toContain(report.erasure?.embassy_key);
    // Their personal-space item and their letter: the promoted embassy holds neither key.
    expect(report.erasure?.services).toEqual([
      { service: 'procedures', embassy_status: 410, embassy_key: 'destroyed' },
      { service: 'letterbox', embassy_status: 410, embassy_key: 'destroyed' },
    ]);
    const registry = report.digests['registry'];
    expect(registry?.primary).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(registry?.embassy).toBe(registry?.primary);
    // The corrections read model, compared at the same checkpoint before the promotion.
    expect(report.digests['registry/corrections']).toMatchObject({ position: '451' });
    expect(report.digests['registry/corrections']?.embassy).toBe(
      report.digests['registry/corrections']?.primary,
    );
    // Consent and audit: 20 grants and 20 uses; one audit entry per registry read (40 by ccss,
    // 20 in the cases) and per opening of a person's letter (the 10 decision letters), and one
    // per delivery of a person's record on an agency feed: the 301 registrations and the 10
    // accepted corrections, each to ccss and to cae (622).
    // Procedures: 11 events per case (draft to decision letter). Letterbox: 10 letters of 2
    // events, and 10 decision letters of 5 (read and acknowledged). The erased person: a
    // personal-space item (procedures) and a letter of 2 events (letterbox), then each of
    // consent, procedures and letterbox records the erasure in its own log (one event each).
    for (const [name, position] of [
      ['consent', '41'],
      ['audit', '692'],
      ['audit/audit.tree', '692'],
      ['procedures', '112'],
      ['procedures/procedures.read-models', '112'],
      ['letterbox', '73'],
      ['letterbox/letterbox.letters', '73'],
    ] as const) {
      expect(report.digests[name]).toMatchObject({ position });
      expect(report.digests[name]?.embassy).toBe(report.digests[name]?.primary);
    }
    // The letters' documents, mirrored on their own topic: the same bytes on both sites.
    const documents = report.digests['letterbox/documents'];
    expect(documents?.primary).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(documents?.embassy).toBe(documents?.primary);
    expect(run.stderr).toContain('10 letters delivered');
    expect(run.stderr).toContain('10 family-allowance cases');
    expect(run.stderr).toContain('planned failover: fence the primary');
    // Failback: the former primary followed the embassy, then took over again at a later
    // position (the writes made on the embassy meanwhile), with equal digests.
    expect(report.failback).toMatchObject({ identical: true });
    expect(Number(report.failback?.position)).toBeGreaterThan(451);
    expect(report.failback?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  }, 300_000);

  it('survives the loss of the primary site and reports the RPO', async () => {
    // Not into the repository's .cache/drill: a test must not replace an operator's last report.
    const reportFile = join(mkdtempSync(join(tmpdir(), 'drill-report-')), 'report.json');
    const run = await drill(['--events', '300', '--scenario', 'unplanned', '--report', reportFile]);

    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    const report = lastLine(run.stdout);
    expect(report).toMatchObject({ scenario: 'unplanned', events: 300, identical: true });
    expect(report.erasure).toMatchObject({ embassy_status: 410, unreadable: true });
    // Whatever the loss was, it is counted, and the embassy kept at least the initial load.
    expect(Number.isSafeInteger(report.rpo_events)).toBe(true);
    expect(Number.isFinite(report.rpo_ms)).toBe(true);
    expect(Number(report.position)).toBeGreaterThanOrEqual(451);
    expect(report.digests['registry']?.embassy).toBe(report.digests['registry']?.primary);
    // The read model, compared after the replay (the primary is gone after the failover).
    expect(report.digests['registry/corrections']).toMatchObject({ position: '451' });
    expect(report.digests['registry/corrections']?.embassy).toBe(
      report.digests['registry/corrections']?.primary,
    );
  }, 300_000);

  it('refuses bad arguments', async () => {
    const run = await drill(['--events', '0', '--scenario', 'planned']);

    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--events must be a positive integer');
  });
});
