import { randomUUID } from 'node:crypto';

import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import type { Principal } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import { isDomainRejection } from '@gov/platform-decider';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import type { PrefillSource } from '@gov/procedures-domain';

import { DEFAULT_CATALOGUE_DIR, ProcedureCatalogue } from './catalogue';
import { CaseService } from './case.service';
import type { Clock, RequestContext } from './context';
import { DecisionLetterReactor } from './letter.reactor';
import { PersonalSpaceService } from './personal-space.service';
import { PgProceduresStore } from './pg-procedures-store';
import type { ConsentArtefact, Letter } from './ports';
import {
  CaseEntity,
  EVENT_STORE_SCHEMA,
  createProceduresDataSource,
  migrateProceduresSchemas,
} from './schema';

const ANNA = '1983081246785';
const LUC = '1990013100012';
const ELSA = '1975052000017';
let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;
let cases: CaseService;
let space: PersonalSpaceService;
let now = new Date('2026-03-01T10:00:00Z');
const clock: Clock = { now: () => now };
const later = (ms: number) => {
  now = new Date(now.getTime() + ms);
};
let requests = 0;

// The other services, as this layer sees them through its ports: every call is recorded, so a
// test can show that a declined source is never read.
const registryReads: string[] = [];
const preferences = new Map<string, boolean>();
const letters: { letter: Letter; token: string; key: string }[] = [];
let letterboxDown = false;
const consentArtefacts = new Map<string, ConsentArtefact>();

const ANNA_RECORD = {
  nationalId: ANNA,
  givenNames: 'Anna Maria',
  familyName: 'Schmit',
  birthDate: '1983-08-12',
  sex: 'F',
  nationalities: ['LU'],
  civilStatus: 'married',
  address: {
    street: 'Boulevard Royal',
    houseNumber: '12A',
    postcode: '2449',
    locality: 'Luxembourg',
    country: 'LU',
  },
};

const as = (principal: Principal, bearerToken?: string): RequestContext => {
  requests += 1;
  return {
    principal,
    correlationId: `req-${String(requests)}`,
    ...(bearerToken === undefined ? {} : { bearerToken }),
  };
};
const citizen = (nationalId: string): Principal => ({ kind: 'citizen', subject: nationalId });
const agency = (organisationId: string): Principal => ({
  kind: 'agency',
  subject: `svc-${organisationId}`,
  organisationId,
});

beforeAll(async () => {
  database = await createTestDatabase('procedures_app');
  pool = new Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => undefined);
  await migrateProceduresSchemas(pool);
  dataSource = await createProceduresDataSource(pool);
  const eventStore = new PostgresEventStore({
    pool,
    schema: EVENT_STORE_SCHEMA,
    producer: 'procedures',
  });
  const store = new PgProceduresStore(eventStore, dataSource);
  const catalogue = ProcedureCatalogue.load(DEFAULT_CATALOGUE_DIR, loadLegalBasisCatalogue());
  space = new PersonalSpaceService(store, dataSource, clock);
  cases = new CaseService(
    store,
    dataSource,
    catalogue,
    space,
    {
      person: (nationalId) => {
        registryReads.push(`persons/${nationalId}`);
        if (nationalId === ELSA) return Promise.resolve({ ...ANNA_RECORD, nationalId: ELSA });
        return Promise.resolve(nationalId === ANNA ? ANNA_RECORD : { nationalId });
      },
      business: (businessNumber) => {
        registryReads.push(`businesses/${businessNumber}`);
        return Promise.resolve({
          businessNumber,
          name: 'Moselle Logistics',
          legalForm: 'SARL',
          registeredAddress: ANNA_RECORD.address,
          managers: [{ nationalId: ANNA, role: 'manager' }],
        });
      },
    },
    {
      answer: (nationalId: string, source: PrefillSource) =>
        Promise.resolve({
          prefill: preferences.get(`${nationalId}:${source}`) ?? true,
          rule: preferences.has(`${nationalId}:${source}`) ? 'source' : 'default',
        }),
    },
    {
      deliver: (letter, token, key) => {
        if (letterboxDown) return Promise.reject(new Error('connect ECONNREFUSED'));
        const existing = letters.findIndex((l) => l.key === key);
        if (existing === -1) letters.push({ letter, token, key });
        const index = existing === -1 ? letters.length - 1 : existing;
        return Promise.resolve({ letterId: `letter-${String(index)}`, sha256: 'ab'.repeat(32) });
      },
    },
    { consent: (consentId) => Promise.resolve(consentArtefacts.get(consentId)) },
    { get: () => Promise.resolve('service-token') },
    clock,
    { previewTtlMs: 600_000, letterGraceMs: 5_000 },
  );
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

async function eventCount(): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${EVENT_STORE_SCHEMA}.events`,
  );
  return Number(rows[0]?.n);
}

/** What `work` throws, for assertions on the code or status. */
async function failure(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

const codeOf = (error: unknown): string =>
  isDomainRejection(error)
    ? error.code
    : error instanceof ApplicationError
      ? error.kind
      : String(error);

describe('the personal space on PostgreSQL', () => {
  it('keeps items with their history, and the read model the prefill reads', async () => {
    await space.set(as(citizen(ANNA)), 'bank-account', 'LU280019400644750000');
    await space.set(as(citizen(ANNA)), 'email', 'anna@example.lu');
    await space.set(as(citizen(ANNA)), 'email', 'anna.schmit@example.lu');
    expect((await space.set(as(citizen(ANNA)), 'email', 'anna.schmit@example.lu')).changed).toBe(
      false,
    );
    await space.clear(as(citizen(ANNA)), 'bank-account');
    const view = await space.read(as(citizen(ANNA)));
    expect(view.items).toEqual({ email: 'anna.schmit@example.lu' });
    expect(view.history.map((h) => [h.item, h.value])).toEqual([
      ['bank-account', 'LU280019400644750000'],
      ['email', 'anna@example.lu'],
      ['email', 'anna.schmit@example.lu'],
      ['bank-account', null],
    ]);
    expect(await space.itemsOf(ANNA)).toEqual({ email: 'anna.schmit@example.lu' });
    await space.set(as(citizen(ANNA)), 'bank-account', 'LU280019400644750000');
  });
});

describe('a family-allowance case on PostgreSQL', () => {
  it('prefills only what the person accepts, then runs the back office to a letter', async () => {
    const started = await cases.start(as(citizen(ANNA)), { procedureId: 'family-allowance' });
    const id = started.caseId;
    expect(started).toMatchObject({ status: 'draft', version: 1 });

    const preview = await cases.preview(as(citizen(ANNA)), id);
    expect(preview.sources.map((s) => [s.source, s.default])).toEqual([
      ['persons', true],
      ['personal-space', true],
    ]);
    expect(registryReads).toEqual([]);

    const filled = await cases.prefill(as(citizen(ANNA)), id, {
      previewId: preview.previewId,
      sources: { persons: true, 'personal-space': false },
    });
    expect(registryReads).toEqual([`persons/${ANNA}`]);
    expect(Object.keys(filled.fields).sort()).toEqual([
      'address',
      'birthDate',
      'civilStatus',
      'familyName',
      'givenNames',
    ]);
    expect(filled.fields['bankAccount']).toBeUndefined();

    // The form lacks the child and the bank account: 400 naming each, nothing appended.
    const before = await eventCount();
    const invalid = await failure(() => cases.submit(as(citizen(ANNA)), id, {}, undefined));
    expect(invalid).toBeInstanceOf(ApplicationError);
    const errors = (invalid as ApplicationError).reason;
    expect(errors.kind === 'validation-failed' ? errors.errors.map((e) => e.field) : []).toEqual([
      'form.bankAccount',
      'form.childGivenNames',
      'form.childFamilyName',
      'form.childBirthDate',
    ]);
    expect(await eventCount()).toBe(before);

    await cases.submit(
      as(citizen(ANNA)),
      id,
      {
        bankAccount: 'LU280019400644750000',
        childGivenNames: 'Léa',
        childFamilyName: 'Schmit',
        childBirthDate: '2026-01-15',
      },
      undefined,
    );
    const cae = agency('cae');
    expect((await cases.submissions(as(cae), undefined)).map((s) => s.caseId)).toContain(id);
    await cases.backOffice(as(cae), id, { type: 'Receive' }, undefined);
    await cases.backOffice(as(cae), id, { type: 'StartReview' }, undefined);
    await cases.backOffice(
      as(cae),
      id,
      { type: 'RequestInformation', question: 'Birth certificate of Léa?' },
      undefined,
    );
    expect((await cases.dashboard(as(citizen(ANNA)))).active[0]).toMatchObject({
      caseId: id,
      status: 'information-requested',
      openQuestion: 'Birth certificate of Léa?',
    });
    await cases.answer(as(citizen(ANNA)), id, 'Sent by post on 2 March.', undefined);

    // The letterbox is down: the decision stands; the reactor sends the letter later, once.
    letterboxDown = true;
    const decided = await cases.decide(
      as(cae, 'cae-token'),
      id,
      { outcome: 'approved', reason: '' },
      undefined,
    );
    expect(decided).toMatchObject({ status: 'decided', letterId: null });
    letterboxDown = false;
    const reactor = new DecisionLetterReactor(cases);
    expect(await reactor.runOnce()).toBe(0); // within the grace period
    later(6_000);
    expect(await reactor.runOnce()).toBe(1);
    expect(await reactor.runOnce()).toBe(0);
    expect(letters.filter((l) => l.letter.caseId === id)).toHaveLength(1);
    expect(letters.find((l) => l.letter.caseId === id)).toMatchObject({
      token: 'service-token',
      key: `decision-letter-${id}`,
      letter: { recipientNationalId: ANNA },
    });

    const timeline = await cases.timeline(as(citizen(ANNA)), id);
    expect(timeline.steps.map((s) => s.step)).toEqual([
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
    expect(timeline.steps[2]?.details).toMatchObject({
      accepted: ['persons'],
      declined: ['personal-space'],
    });
    expect(timeline.steps[4]?.actor).toEqual({
      kind: 'agency',
      id: 'svc-cae',
      organisationId: 'cae',
    });
    expect(timeline.steps[9]?.actor).toEqual({ kind: 'service', id: 'procedures' });
    const dashboard = await cases.dashboard(as(citizen(ANNA)));
    expect(dashboard.completed.map((c) => [c.caseId, c.outcome, c.letterId])).toContainEqual([
      id,
      'approved',
      'letter-0',
    ]);
  });

  it('sends the letter at once with the back office’s token when the letterbox answers', async () => {
    const id = await submittedCase();
    const cae = agency('cae');
    await cases.backOffice(as(cae), id, { type: 'Receive' }, undefined);
    await cases.backOffice(as(cae), id, { type: 'StartReview' }, undefined);
    const decided = await cases.decide(
      as(cae, 'cae-token'),
      id,
      { outcome: 'rejected', reason: 'The child does not live with you.' },
      undefined,
    );
    expect(decided.letterId).not.toBeNull();
    expect(letters.at(-1)).toMatchObject({ token: 'cae-token', letter: { caseId: id } });
    const pdf = Buffer.from(letters.at(-1)?.letter.pdf ?? []).toString('latin1');
    expect(pdf).toContain('The child does not live with you.');
  });
});

async function submittedCase(): Promise<string> {
  const { caseId } = await cases.start(as(citizen(ANNA)), { procedureId: 'family-allowance' });
  const preview = await cases.preview(as(citizen(ANNA)), caseId);
  await cases.prefill(as(citizen(ANNA)), caseId, {
    previewId: preview.previewId,
    sources: { persons: true, 'personal-space': true },
  });
  await cases.submit(
    as(citizen(ANNA)),
    caseId,
    { childGivenNames: 'Léa', childFamilyName: 'Schmit', childBirthDate: '2026-01-15' },
    undefined,
  );
  return caseId;
}

describe('bad input changes nothing', () => {
  it('refuses a reused or expired preview, and a source the person said No to, reading nothing', async () => {
    const { caseId } = await cases.start(as(citizen(ANNA)), { procedureId: 'family-allowance' });
    const first = await cases.preview(as(citizen(ANNA)), caseId);
    await cases.prefill(as(citizen(ANNA)), caseId, {
      previewId: first.previewId,
      sources: { persons: false },
    });
    const reads = registryReads.length;
    const count = await eventCount();
    expect(
      codeOf(
        await failure(() =>
          cases.prefill(as(citizen(ANNA)), caseId, {
            previewId: first.previewId,
            sources: { persons: true },
          }),
        ),
      ),
    ).toBe('PREVIEW_USED');

    const second = await cases.preview(as(citizen(ANNA)), caseId);
    later(600_001);
    const expiredCount = await eventCount();
    expect(
      codeOf(
        await failure(() =>
          cases.prefill(as(citizen(ANNA)), caseId, {
            previewId: second.previewId,
            sources: { persons: true },
          }),
        ),
      ),
    ).toBe('PREVIEW_EXPIRED');
    expect(await eventCount()).toBe(expiredCount);

    preferences.set(`${ANNA}:persons`, false);
    const third = await cases.preview(as(citizen(ANNA)), caseId);
    expect(third.sources.find((s) => s.source === 'persons')).toMatchObject({
      default: false,
      rule: 'source',
    });
    const refusedCount = await eventCount();
    expect(
      codeOf(
        await failure(() =>
          cases.prefill(as(citizen(ANNA)), caseId, {
            previewId: third.previewId,
            sources: { persons: true },
          }),
        ),
      ),
    ).toBe('SOURCE_REFUSED');
    expect(await eventCount()).toBe(refusedCount);
    expect(registryReads.length).toBe(reads);
    expect(count).toBeLessThan(refusedCount); // the two previews were recorded, nothing else
    preferences.delete(`${ANNA}:persons`);
  });

  it('keeps a person out of someone else’s case and a back office out of another’s', async () => {
    const id = await submittedCase();
    const count = await eventCount();
    expect(codeOf(await failure(() => cases.preview(as(citizen(LUC)), id)))).toBe('not-found');
    expect(codeOf(await failure(() => cases.submit(as(citizen(LUC)), id, {}, undefined)))).toBe(
      'not-found',
    );
    expect(
      codeOf(
        await failure(() =>
          cases.backOffice(as(agency('ccss')), id, { type: 'Receive' }, undefined),
        ),
      ),
    ).toBe('NOT_HANDLING_ORGANISATION');
    expect(codeOf(await failure(() => cases.timeline(as(agency('ccss')), id)))).toBe('not-found');
    expect(await eventCount()).toBe(count);
  });

  it('refuses an unknown procedure version, and a business the person does not manage', async () => {
    expect(
      codeOf(
        await failure(() =>
          cases.start(as(citizen(ANNA)), { procedureId: 'family-allowance', procedureVersion: 7 }),
        ),
      ),
    ).toBe('not-found');
    expect(
      codeOf(
        await failure(() =>
          cases.start(as(citizen(LUC)), {
            procedureId: 'establishment-permit',
            businessNumber: 'B123',
          }),
        ),
      ),
    ).toBe('forbidden');
    const permit = await cases.start(as(citizen(ANNA)), {
      procedureId: 'establishment-permit',
      businessNumber: 'B123',
    });
    const preview = await cases.preview(as(citizen(ANNA)), permit.caseId);
    expect(preview.sources.map((s) => s.source)).toEqual([
      'persons',
      'businesses',
      'personal-space',
    ]);
    const filled = await cases.prefill(as(citizen(ANNA)), permit.caseId, {
      previewId: preview.previewId,
      sources: { businesses: true },
    });
    expect(filled.fields['managers']).toEqual({
      source: 'businesses',
      value: [{ nationalId: ANNA, role: 'manager' }],
    });
    expect(filled.fields['applicantFamilyName']).toBeUndefined();
  });

  it('keeps a draft on the version it started with', async () => {
    const v1 = await cases.start(as(citizen(ANNA)), {
      procedureId: 'change-of-address',
      procedureVersion: 1,
    });
    const row = await dataSource.manager.getRepository(CaseEntity).findOneBy({ caseId: v1.caseId });
    expect(row?.procedureVersion).toBe(1);
    const rejected = await failure(() =>
      cases.submit(
        as(citizen(ANNA)),
        v1.caseId,
        {
          givenNames: 'Anna',
          familyName: 'Schmit',
          currentAddress: ANNA_RECORD.address,
          newAddress: ANNA_RECORD.address,
          moveDate: '2026-04-01',
          householdMembers: [LUC],
        },
        undefined,
      ),
    );
    expect(codeOf(rejected)).toBe('validation-failed');
  });
});

describe('consent asked within the procedure', () => {
  it('records the consent only when the consent service shows one answering the request', async () => {
    const id = await submittedCase();
    const cae = agency('cae');
    await cases.backOffice(as(cae), id, { type: 'Receive' }, undefined);
    const asked = await cases.backOffice(
      as(cae),
      id,
      {
        type: 'RequestConsent',
        categories: ['personal-space.bank-account'],
        purpose: 'family-allowance-payment',
      },
      undefined,
    );
    const requestId = asked.requestId ?? '';
    const consent: ConsentArtefact = {
      consentId: '0b7e4a52-8b4e-4f0e-9d1a-3c2f1e0d9a01',
      subject: ANNA,
      organisationId: 'cae',
      categories: ['personal-space.bank-account'],
      purpose: 'family-allowance-payment',
      procedureId: 'family-allowance',
      status: 'ACTIVE',
    };
    consentArtefacts.set(consent.consentId, { ...consent, organisationId: 'ccss' });
    expect(
      codeOf(
        await failure(() =>
          cases.consentGiven(as(citizen(ANNA), 't'), id, requestId, consent.consentId),
        ),
      ),
    ).toBe('unprocessable');
    consentArtefacts.set(consent.consentId, consent);
    await cases.consentGiven(as(citizen(ANNA), 't'), id, requestId, consent.consentId);
    const steps = (await cases.timeline(as(citizen(ANNA)), id)).steps.map((s) => s.step);
    expect(steps.slice(-2)).toEqual(['ConsentRequested', 'ConsentGiven']);
  });
});

describe('the registry’s correction notices (GDPR Art. 19)', () => {
  const notice = (organisationId: string, field = 'family_name') => ({
    noticeId: randomUUID(),
    correctionId: randomUUID(),
    organisationId,
    recordId: ELSA,
    field,
    correctedValueJson: '"Schmitt"',
    acceptedAt: new Date(now.getTime() - 60_000),
  });
  const draft = async (prefill: boolean): Promise<string> => {
    const { caseId } = await cases.start(as(citizen(ELSA)), { procedureId: 'family-allowance' });
    if (prefill) {
      const preview = await cases.preview(as(citizen(ELSA)), caseId);
      await cases.prefill(as(citizen(ELSA)), caseId, {
        previewId: preview.previewId,
        sources: { persons: true, 'personal-space': false },
      });
    }
    return caseId;
  };

  it('records a notice on the cases it concerns, once, and the back office acknowledges it', async () => {
    const submitted = await draft(true);
    await cases.submit(
      as(citizen(ELSA)),
      submitted,
      {
        bankAccount: 'LU280019400644750000',
        childGivenNames: 'Léa',
        childFamilyName: 'Schmit',
        childBirthDate: '2026-01-15',
      },
      undefined,
    );
    const prefilledDraft = await draft(true);
    const plainDraft = await draft(false);

    // The back office received Elsa's data for her submitted case, not for her drafts.
    const toCae = notice('cae');
    expect(await cases.recordCorrectionNotice(toCae)).toEqual([submitted]);
    const before = await eventCount();
    expect(await cases.recordCorrectionNotice(toCae)).toEqual([]);
    expect(await eventCount()).toBe(before);
    // The prefill passed the family name into both forms it filled, not into the other draft.
    expect(await cases.recordCorrectionNotice(notice('procedures'))).toEqual([
      submitted,
      prefilledDraft,
    ]);
    expect(await cases.recordCorrectionNotice(notice('procedures', 'sex'))).toEqual([]);
    expect(await cases.recordCorrectionNotice(notice('ccss'))).toEqual([]);
    expect((await cases.view(as(citizen(ELSA)), plainDraft)).correctionNotices).toEqual([]);

    const cae = agency('cae');
    const listed = () =>
      cases.submissions(as(cae), undefined).then((all) => all.find((c) => c.caseId === submitted));
    expect((await listed())?.openCorrectionNotices).toBe(2);
    const view = await cases.view(as(cae), submitted);
    expect(view.correctionNotices).toEqual([
      expect.objectContaining({
        noticeId: toCae.noticeId,
        organisationId: 'cae',
        field: 'family_name',
        correctedValue: 'Schmitt',
        acknowledged: false,
      }),
      expect.objectContaining({ organisationId: 'procedures', acknowledged: false }),
    ]);
    const timeline = await cases.timeline(as(citizen(ELSA)), submitted);
    expect(timeline.steps.slice(-2).map((step) => [step.step, step.details['summary']])).toEqual([
      ['CorrectionNoticeReceived', 'correction of family_name communicated to cae'],
      ['CorrectionNoticeReceived', 'correction of family_name communicated to procedures'],
    ]);
    expect(timeline.steps.at(-1)?.actor).toEqual({ kind: 'service', id: 'procedures' });

    const acknowledged = await cases.acknowledgeCorrectionNotice(
      as(cae),
      submitted,
      toCae.noticeId,
      undefined,
    );
    expect(acknowledged.changed).toBe(true);
    expect(
      (await cases.acknowledgeCorrectionNotice(as(cae), submitted, toCae.noticeId, undefined))
        .changed,
    ).toBe(false);
    expect((await listed())?.openCorrectionNotices).toBe(1);
    expect((await cases.view(as(cae), submitted)).correctionNotices[0]?.acknowledged).toBe(true);
    expect(
      codeOf(
        await failure(() =>
          cases.acknowledgeCorrectionNotice(
            as(agency('ccss')),
            submitted,
            toCae.noticeId,
            undefined,
          ),
        ),
      ),
    ).toBe('NOT_HANDLING_ORGANISATION');
    expect(
      codeOf(
        await failure(() =>
          cases.acknowledgeCorrectionNotice(as(cae), submitted, randomUUID(), undefined),
        ),
      ),
    ).toBe('CORRECTION_NOTICE_UNKNOWN');
  });
});
