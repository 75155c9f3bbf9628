import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';
import { Pool } from 'pg';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

import { PersonErasedSchema } from '@gov/contracts';
import type { Principal } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import {
  KeyEncryptionKey,
  KeyRing,
  PostgresSubjectKeyStore,
  SubjectErasedError,
} from '@gov/platform-data-protection';
import { isDomainRejection } from '@gov/platform-decider';
import { PostgresEventStore } from '@gov/platform-event-sourcing';
import { migrateService } from '@gov/platform-service';
import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import type { PrefillSource } from '@gov/procedures-domain';

import { DEFAULT_CATALOGUE_DIR, ProcedureCatalogue } from './catalogue';
import { CaseService } from './case.service';
import type { Clock, RequestContext } from './context';
import { DecisionLetterReactor } from './letter.reactor';
import { caseCodecFor, encodePersonalDataErased } from './codecs';
import { obeyPersonErasure } from './person-erasure';
import { PersonalSpaceService } from './personal-space.service';
import { PgProceduresStore } from './pg-procedures-store';
import type { ConsentArtefact, Letter } from './ports';
import { proceduresProjection } from './projection';
import {
  APPLICATION_SCHEMA,
  CaseEntity,
  EVENT_STORE_SCHEMA,
  PROCEDURES_MIGRATIONS,
  PROCEDURES_SCHEMAS,
  ReadModelsWithoutPersonalValues1765200000300,
  createProceduresDataSource,
  migrateProceduresSchemas,
} from './schema';
import { streamIds } from './streams';

const ANNA = '1983081246785';
const LUC = '1990013100012';
const ELSA = '1975052000017';
const MARC = '1988020300015';
let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;
let eventStore: PostgresEventStore;
let keyStore: PostgresSubjectKeyStore;
let projectingStore: PgProceduresStore;
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
  keyStore = new PostgresSubjectKeyStore(pool, APPLICATION_SCHEMA, KeyEncryptionKey.generate());
  eventStore = new PostgresEventStore({
    pool,
    schema: EVENT_STORE_SCHEMA,
    producer: 'procedures',
  });
  const store = new PgProceduresStore(eventStore, dataSource);
  projectingStore = store;
  const catalogue = ProcedureCatalogue.load(DEFAULT_CATALOGUE_DIR, loadLegalBasisCatalogue());
  space = new PersonalSpaceService(store, keyStore, clock);
  cases = new CaseService(
    store,
    keyStore,
    dataSource,
    catalogue,
    space,
    {
      person: (nationalId) => {
        registryReads.push(`persons/${nationalId}`);
        if (nationalId === ELSA || nationalId === MARC)
          return Promise.resolve({ ...ANNA_RECORD, nationalId });
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
      vehicle: (registrationNumber) => {
        registryReads.push(`vehicles/${registrationNumber}`);
        return Promise.resolve({
          registrationNumber: registrationNumber.toUpperCase().replace(/[\s-]/g, ''),
          status: 'registered',
          version: 1,
          owner: { kind: 'person', nationalId: ANNA },
          make: 'Renault',
          model: 'Zoe',
          firstRegistration: '2021-04-15',
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
    expect(await space.itemsOf(ANNA, await KeyRing.forWriting(keyStore, [ANNA]))).toEqual({
      email: 'anna.schmit@example.lu',
    });
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

  it('prefills a vehicle procedure from the vehicle the person owns, and no one else’s', async () => {
    expect(
      codeOf(
        await failure(() =>
          cases.start(as(citizen(LUC)), {
            procedureId: 'parking-permit',
            registrationNumber: 'AB 1234',
          }),
        ),
      ),
    ).toBe('forbidden');
    expect(
      codeOf(
        await failure(() => cases.start(as(citizen(ANNA)), { procedureId: 'parking-permit' })),
      ),
    ).toBe('validation-failed');
    expect(
      codeOf(
        await failure(() =>
          cases.start(as(citizen(ANNA)), {
            procedureId: 'change-of-address',
            registrationNumber: 'AB1234',
          }),
        ),
      ),
    ).toBe('validation-failed');

    const permit = await cases.start(as(citizen(ANNA)), {
      procedureId: 'parking-permit',
      registrationNumber: 'AB 1234',
    });
    const preview = await cases.preview(as(citizen(ANNA)), permit.caseId);
    expect(preview.sources.map((s) => s.source)).toEqual(['persons', 'vehicles', 'personal-space']);
    registryReads.length = 0;
    const filled = await cases.prefill(as(citizen(ANNA)), permit.caseId, {
      previewId: preview.previewId,
      sources: { vehicles: true },
    });

    expect(registryReads).toEqual(['vehicles/AB1234']);
    expect(filled.fields).toEqual({
      registrationNumber: { source: 'vehicles', value: 'AB1234' },
      make: { source: 'vehicles', value: 'Renault' },
      model: { source: 'vehicles', value: 'Zoe' },
    });
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

describe('personal values sealed under the person’s key, and the registry’s erasure', () => {
  const NEVER_SEEN = '1970010100011';
  const cae = agency('cae');

  /** The rows a person's streams left in the log, as stored. */
  async function storedRows(streamId: string) {
    const { rows } = await pool.query<{
      event_type: string;
      payload: Buffer;
      payload_schema_version: number;
      data_subject_key_id: string | null;
    }>(
      `SELECT event_type, payload, payload_schema_version, data_subject_key_id
         FROM ${EVENT_STORE_SCHEMA}.events WHERE stream_id = $1 ORDER BY stream_version`,
      [streamId],
    );
    return rows;
  }

  /** A PersonErased of the registry's log, as the consumer receives it. */
  const personErased = (nationalId: string) => ({
    eventId: randomUUID(),
    eventType: PersonErasedSchema.typeName,
    payload: toBinary(
      PersonErasedSchema,
      create(PersonErasedSchema, { nationalId, legalGround: 'Art. 17(1)(a) GDPR' }),
    ),
    recordedAt: new Date('2026-03-02T08:00:00Z'),
    correlationId: `erasure-${nationalId}`,
    traceparent: null,
  });

  /** `work` in one transaction, as the inbox and the projection batches run. */
  async function inTransaction<T>(work: (client: PoolClient) => Promise<T>) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  /** The projection applied to the person's erasure stream, as the runner would. */
  async function project(nationalId: string): Promise<void> {
    const projection = proceduresProjection(dataSource);
    const events = await eventStore.readStream(streamIds.erasure(nationalId));
    expect(events).toHaveLength(1);
    await inTransaction(async (client) => {
      for (const event of events) await projection.apply(client, { ...event, globalPosition: 1n });
    });
  }

  let caseId = '';

  it('writes the person’s values sealed, and reads them back opened', async () => {
    await space.set(as(citizen(MARC)), 'email', 'marc.weber@example.lu');
    ({ caseId } = await cases.start(as(citizen(MARC)), { procedureId: 'family-allowance' }));
    const preview = await cases.preview(as(citizen(MARC)), caseId);
    await cases.prefill(as(citizen(MARC)), caseId, {
      previewId: preview.previewId,
      sources: { persons: true, 'personal-space': true },
    });
    await cases.submit(
      as(citizen(MARC)),
      caseId,
      {
        bankAccount: 'LU280019400644750000',
        childGivenNames: 'Noémie',
        childFamilyName: 'Weber',
        childBirthDate: '2026-01-15',
      },
      undefined,
    );
    await cases.backOffice(as(cae), caseId, { type: 'Receive' }, undefined);
    await cases.backOffice(as(cae), caseId, { type: 'StartReview' }, undefined);
    await cases.backOffice(
      as(cae),
      caseId,
      { type: 'RequestInformation', question: 'Where does Noémie go to school?' },
      undefined,
    );

    const rows = [
      ...(await storedRows(streamIds.case(caseId))),
      ...(await storedRows(streamIds.personalSpace(MARC))),
    ];
    const stored = Buffer.concat(rows.map((row) => row.payload)).toString('latin1');
    for (const clear of ['Noémie', 'Weber', 'school', 'marc.weber@', 'Schmit', 'LU2800']) {
      expect(stored).not.toContain(Buffer.from(clear, 'utf8').toString('latin1'));
    }
    const key = await keyStore.stateOf(MARC);
    expect(key?.state).toBe('live');
    const sealedTypes = rows.filter((row) => row.data_subject_key_id !== null);
    expect(sealedTypes.map((row) => row.event_type.replace('gov.procedures.v1.', ''))).toEqual([
      'PrefillApplied',
      'Submitted',
      'InformationRequested',
      'PersonalItemSet',
    ]);
    expect(sealedTypes.every((row) => row.payload_schema_version === 2)).toBe(true);
    // The read models hold no value of theirs.
    const { rows: items } = await pool.query<Record<string, unknown>>(
      `SELECT * FROM ${APPLICATION_SCHEMA}.personal_items WHERE subject = $1`,
      [MARC],
    );
    expect(items).toEqual([expect.objectContaining({ item: 'email', is_set: true })]);
    expect(JSON.stringify(items)).not.toContain('marc');

    const view = await cases.view(as(citizen(MARC)), caseId);
    expect(view).toMatchObject({
      personalDataErased: false,
      openQuestion: 'Where does Noémie go to school?',
    });
    expect(view.form).toMatchObject({ childGivenNames: 'Noémie', email: 'marc.weber@example.lu' });
    expect(view.prefilled['familyName']).toEqual({ source: 'persons', value: 'Schmit' });
    const [listed] = (await cases.submissions(as(cae), 'information-requested')).filter(
      (c) => c.caseId === caseId,
    );
    expect(listed?.openQuestion).toBe('Where does Noémie go to school?');
  });

  it('obeys a PersonErased once: key destroyed, own event appended, a redelivery adds nothing', async () => {
    const event = personErased(MARC);
    expect(await inTransaction((client) => obeyPersonErasure(eventStore, client, event))).toBe(
      'erased',
    );
    const count = await eventCount();
    expect(
      await inTransaction((client) =>
        obeyPersonErasure(eventStore, client, { ...event, eventId: randomUUID() }),
      ),
    ).toBe('already-erased');
    expect(await eventCount()).toBe(count);
    expect(await keyStore.stateOf(MARC)).toMatchObject({ state: 'destroyed' });
    // Before the projection marks the case, its list entry already shows nothing of Marc's.
    const [listed] = (await cases.submissions(as(cae), 'information-requested')).filter(
      (c) => c.caseId === caseId,
    );
    expect(listed).toMatchObject({ personalDataErased: true, openQuestion: null });
    const [own] = await storedRows(streamIds.erasure(MARC));
    expect(own?.event_type).toBe('gov.procedures.v1.PersonalDataErased');
    // Any other event of the registry's log is none of its business.
    expect(
      await inTransaction((client) =>
        obeyPersonErasure(eventStore, client, {
          ...event,
          eventType: 'gov.registry.v1.PersonNameChanged',
        }),
      ),
    ).toBe('not-an-erasure');
  });

  it('forgets the person in the read models; reads mark the values erased, writes answer 410', async () => {
    await project(MARC);
    const { rows: items } = await pool.query(
      `SELECT 1 FROM ${APPLICATION_SCHEMA}.personal_items WHERE subject = $1`,
      [MARC],
    );
    expect(items).toEqual([]);
    const row = await dataSource.manager.getRepository(CaseEntity).findOneBy({ caseId });
    expect(row).toMatchObject({ status: 'information-requested', awaitingAnswer: true });
    expect(row?.personalDataErasedAt).toEqual(new Date('2026-03-02T08:00:00Z'));

    // The case stays, with its status and timeline: the administration's file.
    const view = await cases.view(as(cae), caseId);
    expect(view).toMatchObject({
      status: 'information-requested',
      personalDataErased: true,
      openQuestion: null,
      form: null,
    });
    expect(Object.values(view.prefilled).every((field) => field.value === null)).toBe(true);
    const timeline = await cases.timeline(as(citizen(MARC)), caseId);
    expect(timeline.steps.map((step) => step.step)).toContain('InformationRequested');
    expect(timeline.steps.find((step) => step.step === 'InformationRequested')?.details).toEqual(
      expect.objectContaining({ question: null, personalDataErased: true }),
    );
    const [dashboard] = (await cases.dashboard(as(citizen(MARC)))).active;
    expect(dashboard).toMatchObject({ caseId, personalDataErased: true, openQuestion: null });

    const count = await eventCount();
    for (const write of [
      () => space.read(as(citizen(MARC))),
      () => space.set(as(citizen(MARC)), 'email', 'marc@example.lu'),
      () => space.clear(as(citizen(MARC)), 'email'),
      () => cases.start(as(citizen(MARC)), { procedureId: 'family-allowance' }),
      () => cases.answer(as(citizen(MARC)), caseId, 'At the Lycée.', undefined),
      // A step that seals nothing is refused too: the erased person's case takes no change.
      () =>
        cases.backOffice(
          as(cae),
          caseId,
          {
            type: 'RequestConsent',
            categories: ['personal-space.bank-account'],
            purpose: 'family-allowance-payment',
          },
          undefined,
        ),
    ]) {
      expect(await failure(write)).toBeInstanceOf(SubjectErasedError);
    }
    // Whoever the case refuses learns nothing of the erasure: the usual 404 and 403.
    expect(codeOf(await failure(() => cases.preview(as(citizen(LUC)), caseId)))).toBe('not-found');
    expect(codeOf(await failure(() => cases.view(as(agency('ccss')), caseId)))).toBe('not-found');
    expect(
      codeOf(
        await failure(() =>
          cases.backOffice(as(agency('ccss')), caseId, { type: 'StartReview' }, undefined),
        ),
      ),
    ).toBe('NOT_HANDLING_ORGANISATION');
    expect(await eventCount()).toBe(count);
  });

  it('records a person it never sealed anything for as erased: nothing is sealed for them later', async () => {
    const event = personErased(NEVER_SEEN);
    expect(await inTransaction((client) => obeyPersonErasure(eventStore, client, event))).toBe(
      'erased',
    );
    expect(await keyStore.stateOf(NEVER_SEEN)).toMatchObject({ state: 'destroyed' });
    expect(
      await failure(() =>
        cases.start(as(citizen(NEVER_SEEN)), { procedureId: 'family-allowance' }),
      ),
    ).toBeInstanceOf(SubjectErasedError);
    expect(
      await failure(() => space.set(as(citizen(NEVER_SEEN)), 'phone', '+352621000222')),
    ).toBeInstanceOf(SubjectErasedError);
  });

  it('destroys the key where only the projection reaches the erasure (a replica replaying)', async () => {
    const REPLAYED = '1991121200018';
    await space.set(as(citizen(REPLAYED)), 'email', 'replayed@example.lu');
    expect(await keyStore.stateOf(REPLAYED)).toMatchObject({ state: 'live' });
    // The primary's event, arriving by replay: this site's key is still live.
    await eventStore.append(
      streamIds.erasure(REPLAYED),
      0,
      [
        encodePersonalDataErased({
          subject: REPLAYED,
          erasedAt: new Date('2026-03-02T09:00:00Z'),
          registryEventId: randomUUID(),
        }),
      ],
      { correlationId: 'replayed-erasure' },
    );
    await project(REPLAYED);
    expect(await keyStore.stateOf(REPLAYED)).toMatchObject({
      state: 'destroyed',
      destroyedAt: new Date('2026-03-02T09:00:00Z'),
    });
    expect(await failure(() => space.read(as(citizen(REPLAYED))))).toBeInstanceOf(
      SubjectErasedError,
    );
  });

  it('hides the values a case holds in clear from before sealing, once the person is erased', async () => {
    const OLD = '1960070700016';
    const old = randomUUID();
    // Written as before sealing (revision 1, clear), which a codec of no person still writes.
    const clear = caseCodecFor({ subject: null, keys: KeyRing.EMPTY });
    await projectingStore.append(
      streamIds.case(old),
      0,
      [
        clear.encode({
          type: 'DraftStarted',
          data: {
            caseId: old,
            procedureId: 'family-allowance',
            procedureVersion: 1,
            applicant: OLD,
            businessNumber: null,
            organisationId: 'cae',
            startedAt: now,
          },
        }),
        clear.encode({
          type: 'Submitted',
          data: { caseId: old, formJson: '{"childGivenNames":"Olga"}', submittedAt: now },
        }),
      ],
      { correlationId: 'before-sealing' },
    );
    expect((await cases.view(as(citizen(OLD)), old)).form).toEqual({ childGivenNames: 'Olga' });

    await inTransaction((client) => obeyPersonErasure(eventStore, client, personErased(OLD)));
    await project(OLD);
    expect(await cases.view(as(citizen(OLD)), old)).toMatchObject({
      personalDataErased: true,
      form: null,
    });
    const submitted = (await cases.timeline(as(citizen(OLD)), old)).steps[1];
    expect(submitted?.details).toEqual({ contentSha256: null, personalDataErased: true });
  });
});

describe('the read models of an earlier release', () => {
  it('lose their personal values on migration: the open question and item values become flags', async () => {
    const earlier = await createTestDatabase('procedures_app_upgrade');
    const old = new Pool({ connectionString: earlier.url, max: 2 });
    old.on('error', () => undefined);
    try {
      await migrateService(old, {
        ...PROCEDURES_SCHEMAS,
        ownMigrations: PROCEDURES_MIGRATIONS.slice(0, 3),
      });
      const caseId = randomUUID();
      await old.query(
        `INSERT INTO ${APPLICATION_SCHEMA}.cases (case_id, applicant, procedure_id,
           procedure_version, organisation_id, status, started_at, open_question, updated_at,
           version)
         VALUES ($1, $2, 'family-allowance', 1, 'cae', 'information-requested', now(),
           'Where does Léa go to school?', now(), 7)`,
        [caseId, ANNA],
      );
      await old.query(
        `INSERT INTO ${APPLICATION_SCHEMA}.personal_items (subject, item, value, set_at, version)
         VALUES ($1, 'email', 'anna@example.lu', now(), 1), ($1, 'phone', NULL, now(), 2)`,
        [ANNA],
      );
      const result = await migrateService(old, PROCEDURES_SCHEMAS);
      expect(result.own.applied).toEqual([
        'SubjectKeysTable1765000001000',
        ReadModelsWithoutPersonalValues1765200000300.name,
      ]);
      const { rows: cased } = await old.query<Record<string, unknown>>(
        `SELECT * FROM ${APPLICATION_SCHEMA}.cases WHERE case_id = $1`,
        [caseId],
      );
      expect(cased[0]).toMatchObject({ awaiting_answer: true, personal_data_erased_at: null });
      expect(JSON.stringify(cased)).not.toContain('school');
      const { rows: items } = await old.query<Record<string, unknown>>(
        `SELECT item, is_set FROM ${APPLICATION_SCHEMA}.personal_items ORDER BY item`,
      );
      expect(items).toEqual([
        { item: 'email', is_set: true },
        { item: 'phone', is_set: false },
      ]);
      const { rows: columns } = await old.query(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = $1 AND column_name IN ('open_question', 'value')`,
        [APPLICATION_SCHEMA],
      );
      expect(columns).toEqual([]);
    } finally {
      await old.end();
      await earlier.drop();
    }
  });
});
