// Issue 11's whole journey, end to end, on both sites: every service with an event store
// (registry, consent, procedures, letterbox, audit) as processes over real Kafka and PostgreSQL,
// exactly as `npm start` and the drill run them, MirrorMaker 2 between the sites. On the
// primary: a citizen applies for family allowance with a prefill she chose source by source,
// the back office of cae handles it (and reads her record itself), the decision letter arrives,
// is read and acknowledged, the timeline shows every step, the audit log shows the registry
// reads of procedures and of the back office with proofs that verify offline, and a correction
// of her record is sent to both. Then the embassy rebuilds every service by replay, is promoted,
// and the same journey runs there for another person.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '@gov/platform-infra';

import { registerPersonBody } from '../bench/lib/persons';
import { httpCall } from './lib/drill-client';
import { BACK_OFFICE_PURPOSE, JOURNEY_PROCEDURE, familyAllowanceJourney } from './lib/journey';
import type { JourneyResult } from './lib/journey';
import type { SiteName } from './lib/local-platform';
import { switchover } from './lib/switchover';
import type { Replicated } from './lib/switchover';
import { TwoSites, until } from './lib/two-sites';
import type { SiteService } from './lib/two-sites';

const quiet = (): void => undefined;
const SERVICES = ['registry', 'consent', 'procedures', 'letterbox', 'audit'] as const;
type Name = (typeof SERVICES)[number];

/** An entry of `GET /access-log/me`, the part read here. */
interface AccessEntry {
  readonly leaf: {
    readonly organisationId: string;
    readonly purpose: string;
    readonly procedureId: string | null;
    readonly capacity: string;
    readonly fields: readonly string[];
  };
}

let sites: TwoSites;
let dir: string;
const running: Record<SiteName, Partial<Record<Name, SiteService>>> = { primary: {}, embassy: {} };

function url(site: SiteName, name: Name): string {
  const service = running[site][name];
  if (!service) throw new Error(`${name} is not running on the ${site}`);
  return service.process.url;
}

async function startAll(site: SiteName): Promise<void> {
  for (const service of await sites.startReplicated(site)) {
    running[site][service.spec.name as Name] = service;
  }
  for (const name of SERVICES) url(site, name);
}

/** A person registered on `site`, and a token for them. */
async function person(site: SiteName, index: number): Promise<{ id: string; token: string }> {
  const registrar = await sites.token('registrar', 'journey-registrar');
  const { json } = await httpCall('POST', `${url(site, 'registry')}/persons`, registrar, {
    body: registerPersonBody(index),
    expected: [201],
    idempotencyKey: `journey-${site}-${index}`,
  });
  const id = (json as { nationalId: string }).nationalId;
  return { id, token: await sites.token('citizen', id) };
}

/** The person's "who accessed my data", once it holds entries matching every predicate. */
async function accessLog(
  site: SiteName,
  citizen: string,
  wanted: readonly ((entry: AccessEntry) => boolean)[],
): Promise<AccessEntry[]> {
  return until(
    `the ${site} audit log to show the expected accesses`,
    async () => {
      const { json } = await httpCall(
        'GET',
        `${url(site, 'audit')}/access-log/me?limit=100`,
        citizen,
      );
      const entries = (json as { entries: AccessEntry[] }).entries;
      return wanted.every((predicate) => entries.some(predicate)) ? entries : undefined;
    },
    60_000,
    250,
  );
}

/** The person's export verified offline by `npm run audit:verify`, once it covers `entries`. */
async function verifiedOffline(site: SiteName, citizen: string, entries: number): Promise<unknown> {
  const { json: jwks } = await httpCall(
    'GET',
    `${url(site, 'audit')}/.well-known/jwks.json`,
    citizen,
  );
  const jwksFile = join(dir, `${site}-jwks.json`);
  writeFileSync(jwksFile, JSON.stringify(jwks));
  return until(
    `a signed tree head of the ${site} audit log covering ${entries} entries of the person`,
    async () => {
      const { json } = await httpCall('GET', `${url(site, 'audit')}/access-log/me/export`, citizen);
      const exported = json as { entries: unknown[] };
      if (exported.entries.length < entries) return undefined;
      const file = join(dir, `${site}-export.json`);
      writeFileSync(file, JSON.stringify(exported));
      // `npm run audit:verify -- <export> --jwks <jwks>`, as the audit README gives it.
      const verified = spawnSync(
        process.execPath,
        [
          '--require',
          '@swc-node/register',
          'services/audit/src/verify.ts',
          file,
          '--jwks',
          jwksFile,
        ],
        { cwd: repoRoot(), encoding: 'utf8' },
      );
      expect({ status: verified.status, stderr: verified.stderr }).toEqual({
        status: 0,
        stderr: expect.stringMatching(/^OK: \d+ entries \(subject\)/) as unknown,
      });
      return JSON.parse(verified.stdout.trim().split('\n').at(-1) ?? '') as unknown;
    },
    60_000,
    500,
  );
}

/** The journey on `site` for a new person, with every check of the done-when. */
async function journeyOn(site: SiteName, index: number): Promise<JourneyResult> {
  const applicant = await person(site, index);
  const clerk = await person(site, index + 1);
  const backOffice = await sites.token('agency', 'svc-cae', 'cae');

  const result = await familyAllowanceJourney(
    {
      registry: url(site, 'registry'),
      procedures: url(site, 'procedures'),
      letterbox: url(site, 'letterbox'),
    },
    { citizen: applicant.token, backOffice },
    applicant.id,
    `journey-${site}-${index}`,
  );

  // The preview named both sources; only the register's fields were filled.
  expect(result.previewSources.map((source) => source.source).sort()).toEqual([
    'personal-space',
    'persons',
  ]);
  expect(result.prefilledFields.length).toBeGreaterThan(0);
  expect(result.prefilledFields).not.toContain('bankAccount');
  // Read and acknowledged: the letter's last state.
  expect(result.letterState).toBe('RECEIPT_CONFIRMED');
  // Every step, in order, with the choice per source and the letter.
  expect(result.timeline.map((step) => step.step)).toEqual([
    'DraftStarted',
    'PrefillPreviewed',
    'PrefillApplied',
    'Submitted',
    'SubmissionReceived',
    'ReviewStarted',
    'InformationRequested',
    'InformationProvided',
    'SubmissionDecided',
    'DecisionLetterSent',
  ]);
  expect(result.timeline[2]?.details).toMatchObject({
    accepted: ['persons'],
    declined: ['personal-space'],
  });
  expect(result.timeline[9]?.details).toMatchObject({ letterId: result.letterId });

  // The registry reads of procedures (prefill) and of the back office, in the person's log,
  // each with the procedure; the export verifies offline.
  const byProcedures = (entry: AccessEntry) =>
    entry.leaf.organisationId === 'procedures' &&
    entry.leaf.purpose === 'procedure-prefill' &&
    entry.leaf.procedureId === JOURNEY_PROCEDURE;
  const byBackOffice = (entry: AccessEntry) =>
    entry.leaf.organisationId === 'cae' &&
    entry.leaf.purpose === BACK_OFFICE_PURPOSE &&
    entry.leaf.procedureId === JOURNEY_PROCEDURE;
  const entries = await accessLog(site, applicant.token, [byProcedures, byBackOffice]);
  expect(entries.filter(byProcedures)).toHaveLength(1);
  expect(entries.filter(byBackOffice)).toHaveLength(1);
  expect(await verifiedOffline(site, applicant.token, entries.length)).toMatchObject({
    ok: true,
    scope: 'subject',
  });

  // A correction of her family name is accepted: both organisations that read it are sent it.
  const registrar = await sites.token('registrar', 'journey-registrar', clerk.id);
  const registry = url(site, 'registry');
  const { json: requested } = await httpCall('POST', `${registry}/corrections`, applicant.token, {
    body: {
      target: {
        register: 'persons',
        recordId: applicant.id,
        correction: { field: 'familyName', value: 'Schmit-Hoffmann' },
      },
      justification: 'My family name has been Schmit-Hoffmann since my birth.',
    },
    expected: [201],
    idempotencyKey: `journey-${site}-${index}-correction`,
  });
  const correctionId = (requested as { correctionId: string }).correctionId;
  await httpCall('POST', `${registry}/corrections/${correctionId}/accept`, registrar, {
    body: {},
    idempotencyKey: `journey-${site}-${index}-accept`,
  });
  // The person sees to whom it was sent...
  const communicated = await until(
    'the correction to be communicated',
    async () => {
      const { json } = await httpCall(
        'GET',
        `${registry}/corrections/${correctionId}`,
        applicant.token,
      );
      const sentTo = (json as { communicatedTo?: { organisationId: string }[] | null })
        .communicatedTo;
      return sentTo ?? undefined;
    },
    30_000,
    200,
  );
  expect(communicated.map((recipient) => recipient.organisationId).sort()).toEqual([
    'cae',
    'procedures',
  ]);
  // ...the back office is notified, on the case...
  const notified = await until(
    'the correction notice in the case',
    async () => {
      const { json } = await httpCall(
        'GET',
        `${url(site, 'procedures')}/submissions/${result.caseId}/timeline`,
        backOffice,
      );
      const steps = (json as { steps: JourneyResult['timeline'] }).steps;
      return steps.find(
        (step) =>
          step.step === 'CorrectionNoticeReceived' && step.details['organisationId'] === 'cae',
      );
    },
    30_000,
    200,
  );
  expect(notified.details).toMatchObject({ correctionId, field: 'family_name' });
  // ...and the disclosure of the corrected value is in her log, with a proof.
  const recipientEntries = await accessLog(site, applicant.token, [
    (entry) =>
      entry.leaf.capacity === 'correction-recipient' && entry.leaf.organisationId === 'cae',
  ]);
  expect(await verifiedOffline(site, applicant.token, recipientEntries.length)).toMatchObject({
    ok: true,
  });
  return result;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'journey-e2e-'));
  sites = await TwoSites.start({ log: quiet, durable: false });
  await startAll('primary');
}, 300_000);

afterAll(async () => {
  await sites.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the once-only journey, from a prefilled form to an acknowledged decision letter', () => {
  let onPrimary: JourneyResult | undefined;

  it('runs on the primary, with its audit trail and the correction sent on', async () => {
    onPrimary = await journeyOn('primary', 0);
  }, 300_000);

  it('runs the same on the embassy after a promotion, which holds the first case too', async () => {
    expect(onPrimary).toBeDefined();
    await startAll('embassy');
    const replicated: Replicated[] = SERVICES.map((name) => {
      const primary = running.primary[name];
      const embassy = running.embassy[name];
      const topic = primary?.spec.eventStore?.topic;
      const schema = primary?.spec.eventStore?.schema;
      if (!primary || !embassy || !topic || !schema) throw new Error(`${name} is missing`);
      return { name, topic, schema, primary, embassy };
    });
    // Fence each primary service, let its embassy drain, compare digests, promote.
    const switched = await switchover(
      replicated,
      'primary',
      'embassy',
      'journey e2e',
      () => Promise.resolve(),
      { phase: quiet, progress: quiet },
    );
    for (const [name, pair] of Object.entries(switched.digests)) {
      expect({ name, equal: pair.primary === pair.embassy }).toEqual({ name, equal: true });
    }

    // The first case, replayed: the applicant's timeline is the same on the embassy.
    const first = onPrimary?.caseId ?? '';
    const backOffice = await sites.token('agency', 'svc-cae', 'cae');
    const { json } = await httpCall(
      'GET',
      `${url('embassy', 'procedures')}/submissions/${first}/timeline`,
      backOffice,
    );
    expect((json as { steps: { step: string }[] }).steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(onPrimary?.timeline.map((s) => s.step) ?? ['none']),
    );

    await journeyOn('embassy', 10);
  }, 420_000);
});
