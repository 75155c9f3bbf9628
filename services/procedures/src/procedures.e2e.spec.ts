// A family-allowance case across processes, over real Kafka and PostgreSQL: the procedures
// service with the registry and consent services. A tiny HTTP server stands in for the
// letterbox: it records the letters it receives and can be "down", which the real one cannot
// be made here (the whole journey with the real letterbox is tools/scripts/journey.e2e.spec.ts).
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { join } from 'node:path';

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';

import {
  CorrectionNoticeSchema,
  PersonCorrectionSchema,
  PersonalDataAccessedSchema,
  Register,
} from '@gov/contracts';
import type { TokenRequest } from '@gov/platform-auth';
import { ServicesUnderTest, callJson } from '@gov/platform-e2e-testing';
import { freePort } from '@gov/platform-infra';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';
import { readTopicUntilSentinels, startTestMessaging } from '@gov/platform-messaging-testing';
import { uniqueName, waitFor } from '@gov/platform-testing';

/** The stand-in letterbox: answers like the letterbox's contract, or 503 while "down". */
class FakeLetterbox {
  readonly received: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  up = true;
  private server: Server | undefined;
  private readonly byKey = new Map<string, string>();

  async start(): Promise<string> {
    const port = await freePort();
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (!this.up || request.method !== 'POST' || request.url !== '/letters') {
          response.writeHead(503).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        this.received.push({ headers: request.headers, body });
        const key = String(request.headers['idempotency-key']);
        const letterId = this.byKey.get(key) ?? randomUUID();
        this.byKey.set(key, letterId);
        const sha256 = createHash('sha256')
          .update(Buffer.from(String(body['content']), 'base64'))
          .digest('hex');
        response
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ letterId, sha256, state: 'AVAILABLE' }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${String(port)}`;
  }

  stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}

describe('a procedure from a prefilled draft to its decision letter', () => {
  let services: ServicesUnderTest;
  const letterbox = new FakeLetterbox();
  // The registry's public correction notices, produced by this test: a topic of its own.
  const NOTICES_TOPIC = uniqueName('registry.correction-notices.v1').replace(/_/g, '-');
  let kafka: INestApplicationContext | undefined;

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    services.token(request);
  const topics = new Map<string, string>();
  const topicOf = (service: string): string => {
    const topic = topics.get(service) ?? uniqueName(`${service}.events.v1`);
    topics.set(service, topic);
    return topic;
  };
  const start = (service: string, extra: Record<string, string>) =>
    services.start(service, { EVENTS_TOPIC: topicOf(service), ...extra });
  const call = callJson;

  beforeAll(async () => {
    services = await ServicesUnderTest.create('procedures-e2e');
  });

  afterAll(async () => {
    await services.stop();
    await letterbox.stop();
    await kafka?.close();
  });

  it('prefills only on an explicit choice, and delivers the decision letter', async () => {
    const consent = await start('consent', { RECEIPT_KEY_DIR: join(services.dir, 'receipts') });
    const registry = await start('registry', { CONSENT_URL: consent.url });
    kafka = await startTestMessaging('procedures-e2e');
    // The topic exists before the service subscribes, as the registry's would in production.
    await kafka.get(KafkaAdmin).ensureTopics([{ topic: NOTICES_TOPIC, numPartitions: 3 }]);
    const procedures = await start('procedures', {
      CORRECTION_NOTICES_TOPIC: NOTICES_TOPIC,
      PROCEDURES_REGISTRY_TOPIC: topicOf('registry'),
      REGISTRY_URL: registry.url,
      CONSENT_URL: consent.url,
      LETTERBOX_URL: await letterbox.start(),
      PROCEDURES_SIGNING_KEY_FILE: services.keys.privateKeyFile,
      DECISION_LETTER_GRACE_MS: '0',
    });
    const P = procedures.url;

    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const registered = await call(`${registry.url}/persons`, 'POST', registrar, {
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
    });
    expect(registered.status).toBe(201);
    const nationalId = String(registered.body['nationalId']);
    const anna = await token({ role: 'citizen', subject: nationalId });
    const luc = await token({ role: 'citizen', subject: '1990013100012' });
    const cae = await token({ role: 'agency', subject: 'svc-cae', organisationId: 'cae' });

    // The registry's access log, as its own event store records it.
    const registryPool = new Pool({ connectionString: registry.database?.url, max: 1 });
    registryPool.on('error', () => undefined);
    const accesses = async () => {
      const { rows } = await registryPool.query<{ payload: Buffer }>(
        `SELECT payload FROM registry.events WHERE event_type = $1 ORDER BY stream_version`,
        [PersonalDataAccessedSchema.typeName],
      );
      return rows.map((row) => fromBinary(PersonalDataAccessedSchema, row.payload));
    };

    expect(
      (
        await call(`${P}/personal-space/bank-account`, 'PUT', anna, {
          value: 'LU28 0019 4006 4475 0000',
        })
      ).status,
    ).toBe(200);

    // The person said No to prefilling from the register of persons.
    const no = await call(`${consent.url}/prefill-preferences/sources/persons`, 'PUT', anna, {
      preference: 'NEVER',
    });
    expect(no.status).toBe(200);

    const catalogue = await call(`${P}/procedures`, 'GET', anna);
    expect((catalogue.body['items'] as { id: string }[]).map((d) => d.id)).toEqual([
      'change-of-address',
      'establishment-permit',
      'family-allowance',
      'parking-permit',
    ]);
    expect((await call(`${P}/procedures/family-allowance/versions/9`, 'GET', anna)).status).toBe(
      404,
    );
    const unknownVersion = await call(`${P}/drafts`, 'POST', anna, {
      procedureId: 'family-allowance',
      procedureVersion: 9,
    });
    expect(unknownVersion).toMatchObject({ status: 404, type: 'application/problem+json' });

    const draft = await call(`${P}/drafts`, 'POST', anna, { procedureId: 'family-allowance' });
    expect(draft.status).toBe(201);
    const id = String(draft.body['caseId']);

    const refusedPreview = await call(`${P}/drafts/${id}/prefill-preview`, 'POST', anna);
    expect(refusedPreview.status).toBe(201);
    expect(refusedPreview.body['sources']).toEqual([
      expect.objectContaining({ source: 'persons', default: false, rule: 'source' }),
      expect.objectContaining({ source: 'personal-space', default: true, rule: 'default' }),
    ]);
    const refused = await call(`${P}/drafts/${id}/prefill`, 'POST', anna, {
      previewId: refusedPreview.body['previewId'],
      sources: { persons: true },
    });
    expect(refused).toMatchObject({ status: 409, type: 'application/problem+json' });
    expect(await accesses()).toHaveLength(0);

    // Yes for this procedure: a new preview, and the registry is read for the accepted source.
    const yes = await call(
      `${consent.url}/prefill-preferences/sources/persons/procedures/family-allowance`,
      'PUT',
      anna,
      { preference: 'ALLOW' },
    );
    expect(yes.status).toBe(200);
    const preview = await call(`${P}/drafts/${id}/prefill-preview`, 'POST', anna);
    expect(preview.body['sources']).toEqual([
      expect.objectContaining({ source: 'persons', default: true, rule: 'procedure' }),
      expect.objectContaining({ source: 'personal-space', default: true }),
    ]);
    const choice = {
      previewId: preview.body['previewId'],
      sources: { persons: true, 'personal-space': false },
    };
    const filled = await call(`${P}/drafts/${id}/prefill`, 'POST', anna, choice);
    expect(filled.status).toBe(200);
    expect(Object.keys(filled.body['fields'] as object).sort()).toEqual([
      'address',
      'birthDate',
      'civilStatus',
      'familyName',
      'givenNames',
    ]);
    const read = await accesses();
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({
      organisationId: 'procedures',
      purpose: 'procedure-prefill',
      legalBasisId: 'procedures-prefill-explicit-request',
      procedureId: 'family-allowance',
    });
    const reused = await call(`${P}/drafts/${id}/prefill`, 'POST', anna, choice);
    expect(reused).toMatchObject({ status: 409, type: 'application/problem+json' });
    expect(await accesses()).toHaveLength(1);

    // Bad submissions change nothing.
    const before = (await call(`${P}/drafts/${id}`, 'GET', anna)).body['version'];
    const invalid = await call(`${P}/drafts/${id}/submit`, 'POST', anna, {
      form: { childBirthDate: 'yesterday' },
    });
    expect(invalid).toMatchObject({ status: 400, type: 'application/problem+json' });
    expect((invalid.body['errors'] as { field: string }[]).map((e) => e.field)).toEqual([
      'form.bankAccount',
      'form.childGivenNames',
      'form.childFamilyName',
      'form.childBirthDate',
    ]);
    expect((await call(`${P}/drafts/${id}/submit`, 'POST', luc, { form: {} })).status).toBe(404);
    expect((await call(`${P}/drafts/${id}/submit`, 'POST', anna, '{"form":')).status).toBe(400);
    const oversize = await call(`${P}/drafts/${id}/submit`, 'POST', anna, {
      form: { childGivenNames: 'x'.repeat(1_100_000) },
    });
    expect(oversize).toMatchObject({ status: 413, type: 'application/problem+json' });
    expect((await call(`${P}/drafts/${id}`, 'GET', anna)).body['version']).toBe(before);

    const submitted = await call(`${P}/drafts/${id}/submit`, 'POST', anna, {
      form: {
        bankAccount: 'LU280019400644750000',
        childGivenNames: 'Léa',
        childFamilyName: 'Schmit',
        childBirthDate: '2026-01-15',
      },
    });
    expect(submitted).toMatchObject({ status: 200, body: { status: 'submitted' } });

    // The back office of cae.
    const listed = await call(`${P}/submissions`, 'GET', cae);
    expect((listed.body['items'] as { caseId: string }[]).map((s) => s.caseId)).toContain(id);
    expect((await call(`${P}/submissions/${id}/receive`, 'POST', cae)).status).toBe(200);
    expect((await call(`${P}/submissions/${id}/start-review`, 'POST', cae)).status).toBe(200);
    const question = await call(`${P}/submissions/${id}/request-information`, 'POST', cae, {
      question: 'Please confirm Léa lives with you.',
    });
    expect(question.body).toMatchObject({ status: 'information-requested' });
    const answered = await call(`${P}/submissions/${id}/information`, 'POST', anna, {
      answer: 'She does.',
    });
    expect(answered.body).toMatchObject({ status: 'in-review' });

    // Consent asked within the procedure, granted in the consent service, recorded here.
    const asked = await call(`${P}/submissions/${id}/consent-requests`, 'POST', cae, {
      categories: ['personal-space.bank-account'],
      purpose: 'family-allowance-payment',
    });
    expect(asked.status).toBe(201);
    const granted = await call(`${consent.url}/consents`, 'POST', anna, {
      organisationId: 'cae',
      categories: ['personal-space.bank-account'],
      purpose: 'family-allowance-payment',
      procedureId: 'family-allowance',
      validUntil: new Date(Date.now() + 365 * 24 * 3600_000).toISOString(),
    });
    expect(granted.status).toBe(201);
    const recorded = await call(
      `${P}/submissions/${id}/consent-requests/${String(asked.body['requestId'])}/granted`,
      'POST',
      anna,
      { consentId: granted.body['consentId'] },
    );
    expect(recorded.status).toBe(200);

    // The letterbox is down when the back office decides: the decision stands, the letter follows.
    letterbox.up = false;
    const decided = await call(`${P}/submissions/${id}/decide`, 'POST', cae, {
      outcome: 'approved',
    });
    expect(decided).toMatchObject({ status: 200, body: { status: 'decided', letterId: null } });
    letterbox.up = true;
    let letterId: unknown = null;
    for (let i = 0; i < 100 && letterId === null; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const dashboard = await call(`${P}/dashboard`, 'GET', anna);
      letterId = (dashboard.body['completed'] as { letterId: unknown }[])[0]?.letterId ?? null;
    }
    expect(letterId).toEqual(expect.any(String));
    expect(letterbox.received).toHaveLength(1);
    const letter = letterbox.received[0];
    expect(letter?.headers['idempotency-key']).toBe(`decision-letter-${id}`);
    expect(letter?.body).toMatchObject({
      recipient: { kind: 'person', id: nationalId },
      procedureId: id,
      contentType: 'application/pdf',
      retentionDays: 3650,
      // Sent by the reactor with the service's token: still the back office's letter.
      onBehalfOf: 'cae',
    });
    expect(
      Buffer.from(String(letter?.body['content']), 'base64').toString('latin1').slice(0, 8),
    ).toBe('%PDF-1.4');

    const timeline = await call(`${P}/submissions/${id}/timeline`, 'GET', anna);
    expect((timeline.body['steps'] as { step: string }[]).map((s) => s.step)).toEqual([
      'DraftStarted',
      'PrefillPreviewed',
      'PrefillPreviewed',
      'PrefillApplied',
      'Submitted',
      'SubmissionReceived',
      'ReviewStarted',
      'InformationRequested',
      'InformationProvided',
      'ConsentRequested',
      'ConsentGiven',
      'SubmissionDecided',
      'DecisionLetterSent',
    ]);
    expect((await call(`${P}/submissions/${id}/timeline`, 'GET', luc)).status).toBe(404);

    // A registrar corrects Anna's family name; the registry sends its notices to cae and to the
    // prefill (both had received the old value), the one to cae twice (at least once), after a
    // record that is no notice at all.
    const notice = (organisationId: string) =>
      toBinary(
        CorrectionNoticeSchema,
        create(CorrectionNoticeSchema, {
          noticeId: randomUUID(),
          organisationId,
          correctionId: randomUUID(),
          register: Register.PERSONS,
          recordId: nationalId,
          corrected: create(PersonCorrectionSchema, {
            value: { case: 'familyName', value: 'Schmitt' },
          }),
          acceptedAt: timestampFromDate(new Date()),
          purpose: 'procedure-prefill',
          procedureId: 'family-allowance',
        }),
      );
    const toCae = Buffer.from(notice('cae'));
    const record = (value: Buffer) => ({ key: nationalId, value, headers: {} });
    await kafka.get(EventPublisher).publish(NOTICES_TOPIC, [
      { key: 'poison', value: Buffer.from('not a notice'), headers: {} },
      record(toCae),
      record(toCae),
      record(Buffer.from(notice('procedures'))),
      // Another organisation, with no case of Anna's: nothing.
      record(Buffer.from(notice('ccss'))),
    ]);
    const noticeSteps = async () =>
      (
        (await call(`${P}/submissions/${id}/timeline`, 'GET', anna)).body['steps'] as {
          step: string;
          details: Record<string, unknown>;
        }[]
      ).filter((s) => s.step === 'CorrectionNoticeReceived');
    await waitFor(
      'the notices in the case’s timeline',
      async () => (await noticeSteps()).length >= 2,
      60_000,
    );
    let dead: Awaited<ReturnType<typeof readTopicUntilSentinels<unknown>>> = [];
    await waitFor(
      'the record that is no notice in the dead-letter topic',
      async () => {
        const messaging = kafka as INestApplicationContext;
        dead = (
          await readTopicUntilSentinels(messaging, `${NOTICES_TOPIC}.dlq`, ['poison'], (m) => m)
        ).filter((r) => r.message.key === 'poison');
        return dead.length > 0;
      },
      60_000,
    );
    expect(dead.map((r) => r.message.headers['dlq-reason'])).toEqual(['undecodable']);
    const steps = await noticeSteps();
    expect(steps.map((s) => s.details['summary'])).toEqual([
      'correction of family_name communicated to cae',
      'correction of family_name communicated to procedures',
    ]);
    expect(steps[0]?.details).toMatchObject({ field: 'family_name', correctedValue: 'Schmitt' });

    // The back office's list flags the case until it acknowledges what it was sent.
    const flagged = async () =>
      (
        (await call(`${P}/submissions`, 'GET', cae)).body['items'] as {
          caseId: string;
          openCorrectionNotices: number;
        }[]
      ).find((c) => c.caseId === id)?.openCorrectionNotices;
    expect(await flagged()).toBe(2);
    const notices = (await call(`${P}/submissions/${id}`, 'GET', cae)).body[
      'correctionNotices'
    ] as { noticeId: string; organisationId: string }[];
    expect(notices.map((n) => n.organisationId)).toEqual(['cae', 'procedures']);
    for (const n of notices) {
      const ack = await call(
        `${P}/submissions/${id}/correction-notices/${n.noticeId}/acknowledgement`,
        'POST',
        cae,
      );
      expect(ack.status).toBe(200);
    }
    expect(await flagged()).toBe(0);
    const unknownNotice = await call(
      `${P}/submissions/${id}/correction-notices/${randomUUID()}/acknowledgement`,
      'POST',
      cae,
    );
    expect(unknownNotice).toMatchObject({ status: 404, type: 'application/problem+json' });
    await registryPool.end();
  }, 300_000);
});
