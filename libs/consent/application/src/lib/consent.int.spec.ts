import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';

import type { Principal } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import type { DomainRejection } from '@gov/platform-decider';
import {
  DuplicateEventError,
  PostgresEventStore,
  ProjectionRunner,
} from '@gov/platform-event-sourcing';
import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';
import { createTestDatabase } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { generateKeyPair, exportJWK } from 'jose';

import { CONSENT_ACTOR } from './context';
import { CONSENT_EVENT_TYPES, decodePermit } from './codecs';
import type { Clock, RequestContext } from './context';
import { PgConsentReads } from './consent-reads';
import { ConsentService } from './consent.service';
import type { GrantInput } from './consent.service';
import { DecisionService } from './decision.service';
import { ErasureService } from './erasure.service';
import type { ErasureOrder } from './erasure.service';
import { ExpiryReactor } from './expiry.reactor';
import { PgConsentStore } from './pg-consent-store';
import { PrefillService } from './prefill.service';
import { consentsProjection, projectConsentEvent } from './projection';
import { ReceiptSigner } from './receipts';
import { EVENT_STORE_SCHEMA, createConsentDataSource, migrateConsentSchemas } from './schema';
import { streamIds } from './streams';

const ANNA = '1983081246785';
const LUC = '1990013100012';
let database: TestDatabase;
let pool: Pool;
let dataSource: DataSource;
let eventStore: PostgresEventStore;
let store: PgConsentStore;
let signer: ReceiptSigner;
let consents: ConsentService;
let decisions: DecisionService;
let prefill: PrefillService;
let reads: PgConsentReads;
let now = new Date('2026-03-01T10:00:00Z');
const clock: Clock = { now: () => now };
const catalogue = loadLegalBasisCatalogue();
let requests = 0;

const as = (principal: Principal): RequestContext => {
  requests += 1;
  return { principal, correlationId: `req-${String(requests)}` };
};
const citizen = (nationalId: string): Principal => ({ kind: 'citizen', subject: nationalId });
const agency = (organisationId: string): Principal => ({
  kind: 'agency',
  subject: `svc-${organisationId}`,
  organisationId,
});
const grantInput: GrantInput = {
  organisationId: 'ccss',
  categories: ['persons.address', 'personal-space.bank-account'],
  purpose: 'family-allowance-eligibility',
  validUntil: new Date('2026-09-01T00:00:00Z'),
  maxUses: 3,
};

beforeAll(async () => {
  database = await createTestDatabase('consent_app');
  pool = new Pool({ connectionString: database.url, max: 20 });
  pool.on('error', () => undefined);
  await migrateConsentSchemas(pool);
  dataSource = await createConsentDataSource(pool);
  eventStore = new PostgresEventStore({ pool, schema: EVENT_STORE_SCHEMA, producer: 'consent' });
  store = new PgConsentStore(eventStore, dataSource);
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  signer = await ReceiptSigner.fromPrivateJwk(await exportJWK(privateKey));
  reads = new PgConsentReads(dataSource.manager);
  consents = new ConsentService(store, reads, catalogue, clock, signer);
  decisions = new DecisionService(store, reads, catalogue, clock);
  prefill = new PrefillService(store, reads, clock);
});

afterAll(async () => {
  await dataSource.destroy();
  await pool.end();
  await database.drop();
});

async function streamCount(): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${EVENT_STORE_SCHEMA}.events`,
  );
  return Number(rows[0]?.n);
}

describe('consent artefacts on PostgreSQL', () => {
  it('grants with a receipt that verifies against the published JWKS alone', async () => {
    const granted = await consents.grant(as(citizen(ANNA)), grantInput);
    expect(granted).toMatchObject({ status: 'ACTIVE', version: 1, changed: true });
    const receipts = await consents.receipts(as(citizen(ANNA)), granted.consentId);
    expect(receipts.map((r) => r.receiptId)).toEqual([granted.receiptId]);
    const jws = receipts[0]?.jws ?? '';

    // Offline: nothing but the JWKS document and the compact JWS.
    const jwks = JSON.parse(JSON.stringify(signer.jwks)) as { keys: [] };
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks));
    const receipt = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'consent-receipt+jws' });
    expect(receipt).toMatchObject({
      version: 'KI-CR-v1.1.0',
      jurisdiction: 'LU',
      consentReceiptID: granted.receiptId,
      piiPrincipalId: ANNA,
      recordId: granted.consentId,
      event: { eventType: 'given' },
      piiControllers: [{ piiControllerId: 'ccss' }],
      services: [
        { purposes: [{ piiCategory: ['personal-space.bank-account', 'persons.address'] }] },
      ],
    });
    // A tampered receipt does not verify; another key does not verify.
    const [header, body, signature] = jws.split('.');
    const tampered = `${header ?? ''}.${Buffer.from(JSON.stringify({ ...receipt, piiPrincipalId: LUC })).toString('base64url')}.${signature ?? ''}`;
    await expect(compactVerify(tampered, createLocalJWKSet(jwks))).rejects.toThrow();
    expect(body).toBeDefined();
    expect(decodeProtectedHeader(jws).kid).toBe(signer.keyId);
    // Signed again from the log: the same string (Ed25519 is deterministic).
    const again = await consents.receipt(
      as(citizen(ANNA)),
      granted.consentId,
      granted.receiptId ?? '',
    );
    expect(again.jws).toBe(jws);
  });

  it('refuses bad grants with a clear rejection and appends nothing', async () => {
    const before = await streamCount();
    const refusals = await Promise.all(
      [
        { ...grantInput, organisationId: 'nobody' },
        { ...grantInput, categories: ['persons.shoe_size'] },
        { ...grantInput, validFrom: new Date('2026-10-01T00:00:00Z') },
        { ...grantInput, subject: LUC },
      ].map((input) => consents.grant(as(citizen(ANNA)), input).catch((e: unknown) => e)),
    );
    expect(refusals.map((r) => (r as DomainRejection).code)).toEqual([
      'INVALID_INPUT',
      'INVALID_INPUT',
      'INVALID_INPUT',
      'NOT_DATA_SUBJECT',
    ]);
    expect((refusals[0] as DomainRejection).fields.map((f) => f.field)).toEqual(['organisationId']);
    expect((refusals[1] as DomainRejection).fields.map((f) => f.field)).toEqual(['categories.0']);
    await expect(consents.grant(as(agency('ccss')), grantInput)).rejects.toBeInstanceOf(
      ApplicationError,
    );
    expect(await streamCount()).toBe(before);
  });

  it('lets only the person change their artefact; others get 403 and nothing changes', async () => {
    const { consentId } = await consents.grant(as(citizen(ANNA)), grantInput);
    const before = await streamCount();
    await expect(consents.revoke(as(citizen(LUC)), consentId)).rejects.toMatchObject({
      code: 'NOT_DATA_SUBJECT',
    });
    await expect(
      consents.revoke(as(citizen(ANNA)), '00000000-0000-4000-8000-000000000000'),
    ).rejects.toMatchObject({ code: 'CONSENT_NOT_FOUND' });
    await expect(consents.get(as(citizen(LUC)), consentId)).rejects.toBeInstanceOf(
      ApplicationError,
    );
    await expect(consents.get(as(agency('acd')), consentId)).rejects.toBeInstanceOf(
      ApplicationError,
    );
    expect((await consents.get(as(agency('ccss')), consentId)).status).toBe('ACTIVE');
    expect(
      (
        await consents.get(
          as({ kind: 'dpo', subject: 'dpo-1', organisationId: undefined }),
          consentId,
        )
      ).subject,
    ).toBe(ANNA);
    expect(await streamCount()).toBe(before);
  });

  it('changes terms as a new artefact superseding the old one, with receipts for both', async () => {
    const first = await consents.grant(as(citizen(ANNA)), grantInput);
    const changed = await consents.change(as(citizen(ANNA)), first.consentId, {
      ...grantInput,
      categories: ['persons.address'],
    });
    const old = await consents.get(as(citizen(ANNA)), first.consentId);
    const replacement = await consents.get(as(citizen(ANNA)), changed.consentId);
    expect(old).toMatchObject({ status: 'SUPERSEDED', supersededBy: changed.consentId });
    expect(replacement).toMatchObject({
      status: 'ACTIVE',
      supersedes: first.consentId,
      categories: ['persons.address'],
    });
    const oldReceipts = await consents.receipts(as(citizen(ANNA)), first.consentId);
    const newReceipts = await consents.receipts(as(citizen(ANNA)), changed.consentId);
    expect(oldReceipts.map((r) => r.eventType)).toEqual(['given', 'superseded']);
    expect(newReceipts.map((r) => r.eventType)).toEqual(['modified']);
    await expect(
      consents.change(as(citizen(ANNA)), first.consentId, grantInput),
    ).rejects.toMatchObject({ code: 'CONSENT_ENDED' });
  });
});

describe('decisions on PostgreSQL', () => {
  it('permits at most max_uses uses under parallel requests, each use numbered once', async () => {
    const subject = '1975060300596';
    const { consentId } = await consents.grant(as(citizen(subject)), {
      ...grantInput,
      categories: ['personal-space.bank-account'],
      maxUses: 3,
    });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        decisions.decide(as(agency('ccss')), {
          subject,
          categories: ['personal-space.bank-account'],
          purpose: 'family-allowance-eligibility',
        }),
      ),
    );
    const permits = answers.filter((a) => a.decision === 'permit');
    expect(permits).toHaveLength(3);
    expect(permits.map((p) => p.useNumber).sort()).toEqual([1, 2, 3]);
    // The losers either saw the artefact exhausted (USE_EXHAUSTED) or no longer found it.
    const denials = answers.flatMap((a) => (a.decision === 'deny' ? [a.code] : []));
    expect(denials).toHaveLength(9);
    expect(denials.filter((code) => code !== 'USE_EXHAUSTED' && code !== 'NO_BASIS')).toEqual([]);
    const recorded = (await eventStore.readStream(streamIds.consent(consentId)))
      .filter((e) => e.eventType === CONSENT_EVENT_TYPES.accessPermitted)
      .map((e) => decodePermit(e).useNumber);
    expect(recorded).toEqual([1, 2, 3]);
    expect(await consents.get(as(citizen(subject)), consentId)).toMatchObject({
      uses: 3,
      lastUseAt: now.toISOString(),
    });
  });

  it('counts a decision re-run under the same Idempotency-Key once', async () => {
    const subject = '1961071400028';
    const { consentId } = await consents.grant(as(citizen(subject)), {
      ...grantInput,
      categories: ['personal-space.bank-account'],
      maxUses: null,
    });
    const retried = {
      ...as(agency('ccss')),
      idempotency: { seed: 'a1b2c3', firstSeenAt: now },
    };
    const request = {
      subject,
      categories: ['personal-space.bank-account'],
      purpose: 'family-allowance-eligibility',
    };
    expect(await decisions.decide(retried, request)).toMatchObject({
      decision: 'permit',
      basis: 'consent',
      consentId,
      useNumber: 1,
    });
    await expect(decisions.decide(retried, request)).rejects.toBeInstanceOf(DuplicateEventError);
    expect((await consents.get(as(citizen(subject)), consentId)).uses).toBe(1);
  });

  it('permits on a legal basis only the covered subset, sealed for a covert one', async () => {
    const subject = '1968020300011';
    const ccss = await decisions.decide(as(agency('ccss')), {
      subject,
      categories: ['persons.address', 'personal-space.bank-account'],
      purpose: 'family-allowance-eligibility',
    });
    expect(ccss).toMatchObject({
      decision: 'permit',
      categories: ['persons.address'],
      deniedCategories: ['personal-space.bank-account'],
      basis: 'legal-basis',
      consentId: null,
      legalBasisId: 'ccss-family-allowances',
      sealedUntil: null,
    });
    const police = await decisions.decide(as(agency('police')), {
      subject,
      categories: ['persons.address'],
      purpose: 'criminal-investigation',
    });
    expect(police).toMatchObject({
      decision: 'permit',
      basis: 'legal-basis',
      sealedUntil: '2027-03-01T10:00:00.000Z',
    });
    const permits = (await eventStore.readStream(streamIds.decisions(subject))).map((e) =>
      decodePermit(e),
    );
    expect(
      permits.map((p) => [p.organisationId, p.useNumber, p.sealedUntil?.toISOString() ?? null]),
    ).toEqual([
      ['ccss', 0, null],
      ['police', 0, '2027-03-01T10:00:00.000Z'],
    ]);
    // The person's export hides the sealed access; a DPO's shows it.
    const own = await consents.export(as(citizen(subject)), subject);
    const dpo = await consents.export(
      as({ kind: 'dpo', subject: 'dpo-1', organisationId: undefined }),
      subject,
    );
    expect(own.legalBasisUses.map((u) => u.organisationId)).toEqual(['ccss']);
    expect(dpo.legalBasisUses.map((u) => u.organisationId)).toEqual(['ccss', 'police']);
  });

  it('denies without a basis, for a paused consent, and for a basis outside the catalogue', async () => {
    const subject = '1955111100019';
    const marketing = await decisions.decide(as(agency('ccss')), {
      subject,
      categories: ['persons.address'],
      purpose: 'marketing',
    });
    expect(marketing).toMatchObject({ decision: 'deny', code: 'NO_BASIS' });
    const unknownOrg = await decisions.decide(as(agency('nobody')), {
      subject,
      categories: ['persons.address'],
      purpose: 'family-allowance-eligibility',
    });
    expect(unknownOrg).toMatchObject({ decision: 'deny', code: 'UNKNOWN_ORGANISATION' });
    const { consentId } = await consents.grant(as(citizen(subject)), {
      ...grantInput,
      purpose: 'marketing',
      categories: ['persons.address'],
    });
    await consents.pause(as(citizen(subject)), consentId);
    expect(
      await decisions.decide(as(agency('ccss')), {
        subject,
        categories: ['persons.address'],
        purpose: 'marketing',
      }),
    ).toMatchObject({ decision: 'deny', code: 'NO_BASIS' });
    await consents.resume(as(citizen(subject)), consentId);
    expect(
      await decisions.decide(as(agency('ccss')), {
        subject,
        categories: ['persons.address'],
        purpose: 'marketing',
      }),
    ).toMatchObject({ decision: 'permit', basis: 'consent', consentId, useNumber: 1 });
    await expect(
      decisions.decide(as(agency('ccss')), {
        subject,
        categories: ['persons.shoe_size'],
        purpose: 'marketing',
      }),
    ).rejects.toBeInstanceOf(ApplicationError);
  });
});

describe('expiry and prefill on PostgreSQL', () => {
  it('reads EXPIRED at valid_until and records ConsentExpired once', async () => {
    const subject = '1980010100017';
    const { consentId } = await consents.grant(as(citizen(subject)), {
      ...grantInput,
      validUntil: new Date(now.getTime() + 60_000),
    });
    const reactor = new ExpiryReactor(store, reads, clock);
    const saved = now;
    try {
      now = new Date(saved.getTime() + 60_000);
      expect((await consents.get(as(citizen(subject)), consentId)).status).toBe('EXPIRED');
      expect(await reactor.runOnce()).toBe(1);
      expect(await reactor.runOnce()).toBe(0);
      const types = (await eventStore.readStream(streamIds.consent(consentId))).map(
        (e) => e.eventType,
      );
      expect(types).toEqual([CONSENT_EVENT_TYPES.granted, CONSENT_EVENT_TYPES.expired]);
      expect(await consents.get(as(citizen(subject)), consentId)).toMatchObject({
        status: 'EXPIRED',
        endedAt: new Date(saved.getTime() + 60_000).toISOString(),
      });
    } finally {
      now = saved;
    }
  });

  it('answers prefill from the procedure’s preference, the source’s, or Yes', async () => {
    const context = as(citizen(ANNA));
    await prefill.set(context, 'persons', null, 'NEVER');
    await prefill.set(context, 'persons', 'allocation-familiale', 'ALLOW');
    const ask = (procedure: string | null) =>
      prefill.answer(as(agency('ccss')), ANNA, 'persons', procedure);
    expect(await ask('allocation-familiale')).toMatchObject({ prefill: true, rule: 'procedure' });
    expect(await ask('other')).toMatchObject({ prefill: false, rule: 'source' });
    await prefill.clear(context, 'persons', 'allocation-familiale');
    expect(await ask('allocation-familiale')).toMatchObject({ prefill: false, rule: 'source' });
    expect(await prefill.answer(as(agency('ccss')), ANNA, 'personal-space', null)).toMatchObject({
      prefill: true,
      rule: 'default',
    });
    await expect(prefill.answer(as(citizen(LUC)), ANNA, 'persons', null)).rejects.toBeInstanceOf(
      ApplicationError,
    );
  });

  it('keeps a withdrawn preference withdrawn when the projection replays older events', async () => {
    const subject = '1947050500014';
    const context = as(citizen(subject));
    await prefill.set(context, 'persons', 'p-1', 'NEVER');
    await prefill.clear(context, 'persons', 'p-1');
    const [set, cleared] = await eventStore.readStream(streamIds.prefill(subject));
    if (set === undefined || cleared === undefined) throw new Error('two events expected');
    // The projection reaches the set after the request path wrote the withdrawal.
    await projectConsentEvent(dataSource.manager, cleared);
    await projectConsentEvent(dataSource.manager, set);
    expect(await prefill.answer(as(agency('ccss')), subject, 'persons', 'p-1')).toMatchObject({
      rule: 'default',
    });
  });

  it('rebuilds the same read models from the log alone', async () => {
    const snapshot = async () =>
      (
        await pool.query<{ rows: string }>(
          `SELECT (SELECT json_agg(c ORDER BY consent_id)::text FROM consent_app.consents c) ||
                  (SELECT coalesce(json_agg(p ORDER BY subject, source, procedure_id)::text, '')
                     FROM consent_app.prefill_preferences p) AS rows`,
        )
      ).rows[0]?.rows;
    const before = await snapshot();
    const runner = new ProjectionRunner({
      pool,
      schema: EVENT_STORE_SCHEMA,
      store: eventStore,
      projection: consentsProjection(dataSource),
    });
    await runner.rebuild();
    expect(await snapshot()).toBe(before);
  });
});

describe('the registry’s erasure of a person, on PostgreSQL', () => {
  const ERIK = '1975062000031';
  const order: ErasureOrder = {
    nationalId: ERIK,
    erasedAt: new Date('2026-03-01T09:59:00Z'),
    registryEventId: '7a1c3e5f-0b2d-4e6f-8a9b-1c2d3e4f5a6b',
  };
  let erasures: ErasureService;

  beforeAll(() => {
    erasures = new ErasureService(eventStore, dataSource, clock);
  });

  /** `erase` in a transaction of its own, as the inbox runs it. */
  async function erase(erasure = order) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const outcome = await erasures.erase(client, erasure, {
        correlationId: `erasure-${erasure.registryEventId}`,
        causationId: erasure.registryEventId,
        actor: CONSENT_ACTOR,
      });
      await client.query('COMMIT');
      return outcome;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  const eventTypesOf = async (stream: string) =>
    (await eventStore.readStream(stream)).map((event) => event.eventType);

  it('ends live consents, keeps ended ones, forgets preferences, and refuses what comes after', async () => {
    const person = () => as(citizen(ERIK));
    const active = await consents.grant(person(), grantInput);
    const paused = await consents.grant(person(), { ...grantInput, maxUses: null });
    await consents.pause(person(), paused.consentId);
    const revoked = await consents.grant(person(), grantInput);
    await consents.revoke(person(), revoked.consentId);
    await prefill.set(person(), 'persons', null, 'NEVER');
    await prefill.set(person(), 'persons', 'allocation-familiale', 'ALLOW');
    const other = await consents.grant(as(citizen(LUC)), grantInput);

    const outcome = await erase();

    expect(outcome.recorded).toBe(true);
    expect([...outcome.ended].sort()).toEqual([active.consentId, paused.consentId].sort());
    for (const { consentId } of [active, paused]) {
      expect(await eventTypesOf(streamIds.consent(consentId))).toContain(
        CONSENT_EVENT_TYPES.endedByErasure,
      );
      expect(await consents.get(as(citizen(ERIK)), consentId)).toMatchObject({
        status: 'REVOKED',
        endedAt: now.toISOString(),
      });
    }
    // A revoked artefact stays as it was; another person's is untouched.
    expect(await eventTypesOf(streamIds.consent(revoked.consentId))).toEqual([
      CONSENT_EVENT_TYPES.granted,
      CONSENT_EVENT_TYPES.revoked,
    ]);
    expect(await consents.get(as(citizen(LUC)), other.consentId)).toMatchObject({
      status: 'ACTIVE',
    });
    // The artefacts stay readable, with their receipts: the proof of what the person agreed.
    expect(await consents.receipts(as(citizen(ERIK)), active.consentId)).toHaveLength(1);
    expect(await prefill.list(person())).toEqual([]);
    expect(await prefill.answer(as(agency('ccss')), ERIK, 'persons', null)).toEqual({
      subject: ERIK,
      source: 'persons',
      procedureId: null,
      prefill: false,
      rule: 'erased',
    });

    // Every reuse denied, a legal basis included; nothing recorded.
    const before = await streamCount();
    const decision = await decisions.decide(as(agency('ccss')), {
      subject: ERIK,
      categories: ['persons.address'],
      purpose: 'family-allowance-eligibility',
    });
    expect(decision).toMatchObject({ decision: 'deny', code: 'SUBJECT_ERASED' });
    const refusals = await Promise.all([
      consents.grant(person(), grantInput).catch((error: unknown) => error),
      consents.change(person(), revoked.consentId, grantInput).catch((error: unknown) => error),
      prefill.set(person(), 'businesses', null, 'NEVER').catch((error: unknown) => error),
      prefill.clear(person(), 'persons', 'allocation-familiale').catch((error: unknown) => error),
    ]);
    expect(refusals.map((error) => (error as DomainRejection).code)).toEqual([
      'DATA_ERASED',
      'DATA_ERASED',
      'DATA_ERASED',
      'DATA_ERASED',
    ]);
    expect(await streamCount()).toBe(before);
  });

  it('appends nothing for a redelivered PersonErased', async () => {
    const before = await streamCount();
    expect(await erase()).toEqual({ recorded: false, ended: [] });
    expect(await erase({ ...order, registryEventId: 'another-delivery' })).toEqual({
      recorded: false,
      ended: [],
    });
    expect(await streamCount()).toBe(before);
    expect(await eventTypesOf(streamIds.erasure(ERIK))).toEqual([
      CONSENT_EVENT_TYPES.subjectErased,
    ]);
  });

  it('records a person who never consented as erased, and refuses a grant racing the erasure', async () => {
    const nobody = '1962111100027';
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await erasures.erase(
        client,
        { ...order, nationalId: nobody },
        { correlationId: 'erasure-race', actor: CONSENT_ACTOR },
      );
      // The grant waits for the erasure's transaction, then sees it.
      const grant = consents
        .grant(as(citizen(nobody)), grantInput)
        .catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.query('COMMIT');
      expect(((await grant) as DomainRejection).code).toBe('DATA_ERASED');
    } finally {
      client.release();
    }
    expect(await consents.list(as(citizen(nobody)), {})).toEqual([]);
  });

  it('rebuilds the same erasures, endings and forgotten preferences from the log', async () => {
    const snapshot = async () =>
      (
        await pool.query<{ rows: string }>(
          `SELECT (SELECT json_agg(c ORDER BY consent_id)::text FROM consent_app.consents c) ||
                  (SELECT coalesce(json_agg(p ORDER BY subject, source, procedure_id)::text, '')
                     FROM consent_app.prefill_preferences p) ||
                  (SELECT json_agg(e ORDER BY subject)::text FROM consent_app.erased_subjects e)
                  AS rows`,
        )
      ).rows[0]?.rows;
    const before = await snapshot();
    expect(before).toContain(ERIK);
    const runner = new ProjectionRunner({
      pool,
      schema: EVENT_STORE_SCHEMA,
      store: eventStore,
      projection: consentsProjection(dataSource),
    });
    await runner.rebuild();
    expect(await snapshot()).toBe(before);
    const { rows } = await pool.query(
      'SELECT 1 FROM consent_app.prefill_preferences WHERE subject = $1',
      [ERIK],
    );
    expect(rows).toEqual([]);
  });
});
