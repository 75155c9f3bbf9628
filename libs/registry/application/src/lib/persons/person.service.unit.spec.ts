import type { Principal } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import { composeNationalId, parseNationalId } from '@gov/registry-domain';

import { accessEventsCodec } from '../codecs/access-events.codec';
import { personEventsCodec } from '../codecs/person-events.codec';
import {
  ESCH,
  LUXEMBOURG,
  START,
  agency,
  anna,
  as,
  businessRegistrar,
  citizen,
  failure,
  registrar,
  registryTestbed,
} from '../../testing/registry-testbed';
import { streamIds } from '../streams';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import { keysToRead, keysToWrite } from '../commands';

type Testbed = ReturnType<typeof registryTestbed>;

/** The problem an application error becomes: its kind, and fields or extensions. */
async function refusal(promise: Promise<unknown>) {
  const error = await failure(promise);
  if (!(error instanceof ApplicationError)) throw error;
  const reason = error.reason;
  return {
    kind: error.kind,
    fields: reason.kind === 'validation-failed' ? reason.errors.map((e) => e.field) : undefined,
    code: error.extensions['code'],
  };
}

async function register(bed: Testbed, overrides: Parameters<typeof anna>[0] = {}) {
  return bed.persons.register(as(registrar), anna(overrides));
}

describe('PersonService', () => {
  describe('register', () => {
    it('assigns the next national identification number of the birth date', async () => {
      const bed = registryTestbed();

      const first = await register(bed);
      const second = await register(bed, { givenNames: 'Ben' });

      expect(first).toEqual({
        nationalId: composeNationalId('1983-08-12', 0),
        version: 1,
        changed: true,
      });
      expect(second.nationalId).toBe(composeNationalId('1983-08-12', 1));
      expect(parseNationalId(second.nationalId).ok).toBe(true);
      const [registered] = await bed.store.readStream(streamIds.person(first.nationalId));
      expect(registered).toMatchObject({
        eventType: 'gov.registry.v1.PersonRegistered',
        streamVersion: 1,
        correlationId: expect.stringMatching(/^request-/) as unknown,
      });
    });

    it('skips a number taken outside the allocator', async () => {
      const bed = registryTestbed();
      const taken = composeNationalId('1983-08-12', 0);
      await bed.store.append(
        streamIds.person(taken),
        0,
        [
          personEventsCodec.encode(
            {
              type: 'PersonRegistered',
              data: { ...anna(), nationalId: taken, placeOfBirth: null },
            },
            START,
            await keysToWrite(bed.keys, taken),
          ),
        ],
        { correlationId: 'import' },
      );

      const registered = await register(bed);

      expect(registered.nationalId).toBe(composeNationalId('1983-08-12', 1));
    });

    it('reports every invalid field at once, and uses no number up', async () => {
      const bed = registryTestbed();

      const problem = await refusal(
        register(bed, {
          givenNames: ' ',
          address: { ...LUXEMBOURG, postcode: '123' },
          nationalities: ['XX'],
        }),
      );

      expect(problem).toEqual({
        kind: 'validation-failed',
        fields: ['givenNames', 'nationalities[0]', 'address.postcode'],
        code: 'INVALID_INPUT',
      });
      expect(bed.numbers.allocations).toBe(0);
    });

    it('refuses a birth date in the future or before 1850 by its field', async () => {
      const bed = registryTestbed();
      expect((await refusal(register(bed, { birthDate: '2026-03-02' }))).fields).toEqual([
        'birthDate',
      ]);
      expect((await refusal(register(bed, { birthDate: '1849-12-31' }))).fields).toEqual([
        'birthDate',
      ]);
      expect((await refusal(register(bed, { birthDate: '1983-02-30' }))).fields).toEqual([
        'birthDate',
      ]);
    });

    it('is for registrars of the persons register only', async () => {
      const bed = registryTestbed();
      for (const principal of [
        businessRegistrar,
        agency,
        citizen(composeNationalId('1990-01-31', 1)),
      ]) {
        expect((await refusal(bed.persons.register(as(principal), anna()))).kind).toBe('forbidden');
      }
    });

    it('refuses to run a creation twice under one idempotency key (answer lost)', async () => {
      const bed = registryTestbed();
      const idempotency = { seed: 'a'.repeat(64), firstSeenAt: START };

      await bed.persons.register(as(registrar, { idempotency }), anna());
      const again = await refusal(bed.persons.register(as(registrar, { idempotency }), anna()));

      expect(again).toMatchObject({ kind: 'conflict', code: 'ALREADY_APPLIED' });
      expect((await bed.store.readAll(1n, 10)).length).toBe(1);
    });
  });

  describe('registerMany', () => {
    it('registers every person in order, numbering them per birth date', async () => {
      const bed = registryTestbed();

      const { registered } = await bed.persons.registerMany(as(registrar), [
        anna({ birthDate: '1983-08-12' }),
        anna({ birthDate: '1990-01-31', givenNames: 'Paul' }),
        anna({ birthDate: '1983-08-12', givenNames: 'Lena' }),
      ]);

      expect(registered).toEqual([
        { nationalId: composeNationalId('1983-08-12', 0), version: 1, changed: true },
        { nationalId: composeNationalId('1990-01-31', 0), version: 1, changed: true },
        { nationalId: composeNationalId('1983-08-12', 1), version: 1, changed: true },
      ]);
      const lena = await bed.persons.get(
        as(citizen(composeNationalId('1983-08-12', 1))),
        composeNationalId('1983-08-12', 1),
      );
      expect(lena).toMatchObject({ givenNames: 'Lena', version: 1 });
    });

    it('refuses the whole batch, listing every invalid field by its index, and registers nothing', async () => {
      const bed = registryTestbed();

      const problem = await refusal(
        bed.persons.registerMany(as(registrar), [
          anna(),
          anna({ givenNames: ' ' }),
          anna({ birthDate: '1849-12-31', nationalities: ['XX'] }),
        ]),
      );

      expect(problem).toEqual({
        kind: 'validation-failed',
        fields: ['persons[1].givenNames', 'persons[2].nationalities[0]', 'persons[2].birthDate'],
        code: 'INVALID_INPUT',
      });
      expect(bed.numbers.allocations).toBe(0);
      expect(await bed.store.readAll(1n, 10)).toEqual([]);
    });

    it('takes 1 to 500 persons, from registrars of the persons register only', async () => {
      const bed = registryTestbed();
      expect((await refusal(bed.persons.registerMany(as(registrar), []))).fields).toEqual([
        'persons',
      ]);
      const tooMany = Array.from({ length: 501 }, () => anna());
      expect((await refusal(bed.persons.registerMany(as(registrar), tooMany))).fields).toEqual([
        'persons',
      ]);
      expect((await refusal(bed.persons.registerMany(as(businessRegistrar), [anna()]))).kind).toBe(
        'forbidden',
      );
    });

    it('derives the event ids from the idempotency key and the index: a re-run is refused', async () => {
      const bed = registryTestbed();
      const idempotency = { seed: 'b'.repeat(64), firstSeenAt: START };

      await bed.persons.registerMany(as(registrar, { idempotency }), [anna(), anna()]);
      const again = await refusal(
        bed.persons.registerMany(as(registrar, { idempotency }), [anna(), anna()]),
      );

      expect(again).toMatchObject({ kind: 'conflict', code: 'ALREADY_APPLIED' });
      const ids = (await bed.store.readAll(1n, 10)).map((e) => e.eventId);
      expect(new Set(ids).size).toBe(2);
    });
  });

  describe('changes', () => {
    it('changes the address and answers the new version; the same address again changes nothing', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);

      const moved = await bed.persons.changeAddress(as(registrar), nationalId, ESCH);
      const again = await bed.persons.changeAddress(as(registrar), nationalId, ESCH);

      expect(moved).toEqual({ nationalId, version: 2, changed: true });
      expect(again).toEqual({ nationalId, version: 2, changed: false });
    });

    it('answers 412 to a stale If-Match and appends nothing', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      await bed.persons.changeAddress(as(registrar), nationalId, ESCH, { expectedVersion: 1 });

      const error = await failure(
        bed.persons.changeAddress(as(registrar), nationalId, LUXEMBOURG, { expectedVersion: 1 }),
      );

      expect(error).toBeInstanceOf(ApplicationError);
      expect(error).toMatchObject({
        kind: 'precondition-failed',
        extensions: { currentVersion: 2 },
      });
      expect(await bed.store.readStream(streamIds.person(nationalId))).toHaveLength(2);
    });

    it('maps the domain’s refusals: unknown 404, deceased 409, invalid civil status 409', async () => {
      const bed = registryTestbed();
      const unknown = composeNationalId('1950-01-01', 3);
      expect((await refusal(bed.persons.changeAddress(as(registrar), unknown, ESCH))).kind).toBe(
        'not-found',
      );

      const { nationalId } = await register(bed);
      expect(
        await refusal(
          bed.persons.changeCivilStatus(as(registrar), nationalId, {
            civilStatus: 'divorced',
            effectiveDate: '2020-01-01',
          }),
        ),
      ).toMatchObject({ kind: 'conflict', code: 'INVALID_CIVIL_STATUS_TRANSITION' });

      await bed.persons.recordDeath(as(registrar), nationalId, { dateOfDeath: '2026-02-01' });
      expect(
        await refusal(
          bed.persons.changeName(as(registrar), nationalId, {
            givenNames: 'Anna',
            familyName: 'Weber',
          }),
        ),
      ).toMatchObject({ kind: 'conflict', code: 'PERSON_DECEASED' });
    });
  });

  describe('erasure', () => {
    const GROUND = 'registered in error (court decision 2026/123)';

    it('closes the record and destroys the key: reads answer 410, the log keeps unreadable bytes', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      await bed.persons.changeAddress(as(registrar), nationalId, ESCH);

      const erased = await bed.persons.erase(as(registrar), nationalId, { legalGround: GROUND });

      expect(erased).toMatchObject({ nationalId, version: 3, changed: true });
      const stream = await bed.store.readStream(streamIds.person(nationalId));
      expect(stream.map((event) => event.eventType)).toEqual([
        'gov.registry.v1.PersonRegistered',
        'gov.registry.v1.PersonAddressChanged',
        'gov.registry.v1.PersonErased',
      ]);
      expect(await bed.keys.stateOf(nationalId)).toMatchObject({ state: 'destroyed' });
      for (const read of [
        bed.persons.get(as(registrar), nationalId),
        bed.persons.get(as(citizen(nationalId)), nationalId),
        bed.persons.get(as(registrar), nationalId, new Date(START.getTime() + 1_000)),
        bed.persons.history(as(registrar), nationalId),
      ]) {
        expect(await refusal(read)).toMatchObject({ kind: 'gone', code: 'RECORD_ERASED' });
      }
      // The events stay (hashes and versions intact); their personal data no longer opens.
      const [registered] = stream;
      expect(registered?.dataSubjectKeyId).toEqual(expect.any(String));
      expect(Buffer.from(registered?.payload ?? []).includes('Schmit')).toBe(false);
      expect(
        await refusal(
          Promise.resolve().then(async () =>
            personEventsCodec.decode(
              registered as NonNullable<typeof registered>,
              await keysToRead(bed.keys, stream),
            ),
          ),
        ),
      ).toMatchObject({ kind: 'gone', code: 'DATA_ERASED' });
    });

    it('drops the person’s correction requests from the read model', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const other = await register(bed, { givenNames: 'Ben' });
      for (const subject of [nationalId, other.nationalId]) {
        await bed.corrections.request(as(citizen(subject)), {
          target: {
            register: 'persons',
            recordId: subject,
            correction: { field: 'familyName', value: 'Schmidt' },
          },
          justification: 'My birth certificate spells it Schmidt.',
        });
      }
      await bed.persons.erase(as(registrar), nationalId, { legalGround: GROUND });
      while ((await bed.projector.runOnce()) > 0) {
        // until the projection is current
      }

      const recordIds = [...bed.readModel.rows.values()].map((row) => row.recordId);
      expect(recordIds).toEqual([other.nationalId]);
    });

    it('refuses every change afterwards, and answers a repeated erasure without change', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      await bed.persons.erase(as(registrar), nationalId, { legalGround: GROUND });

      const again = await bed.persons.erase(as(registrar), nationalId, { legalGround: GROUND });

      expect(again).toMatchObject({ nationalId, version: 2, changed: false });
      expect(
        await refusal(bed.persons.changeAddress(as(registrar), nationalId, ESCH)),
      ).toMatchObject({ kind: 'gone', code: 'DATA_ERASED' });
      expect(await bed.store.readStream(streamIds.person(nationalId))).toHaveLength(2);
    });

    it('completes an erasure whose key destruction was interrupted', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const destroy = bed.keys.destroy.bind(bed.keys);
      bed.keys.destroy = () => Promise.reject(new Error('database went away'));
      await expect(
        bed.persons.erase(as(registrar), nationalId, { legalGround: GROUND }),
      ).rejects.toThrow('database went away');
      expect(await bed.keys.stateOf(nationalId)).toMatchObject({ state: 'live' });
      bed.keys.destroy = destroy;

      const retried = await bed.persons.erase(as(registrar), nationalId, { legalGround: GROUND });

      expect(retried).toMatchObject({ version: 2, changed: true });
      expect(await bed.keys.stateOf(nationalId)).toMatchObject({ state: 'destroyed' });
    });

    it('is for registrars of the persons register only, with a legal ground', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      for (const caller of [citizen(nationalId), businessRegistrar, agency]) {
        expect(
          (await refusal(bed.persons.erase(as(caller), nationalId, { legalGround: GROUND }))).kind,
        ).toBe('forbidden');
      }
      expect(
        await refusal(bed.persons.erase(as(registrar), nationalId, { legalGround: '' })),
      ).toMatchObject({ kind: 'validation-failed', fields: ['legalGround'] });
      const unknown = composeNationalId('1950-01-01', 3);
      expect(
        (await refusal(bed.persons.erase(as(registrar), unknown, { legalGround: GROUND }))).kind,
      ).toBe('not-found');
      expect((await refusal(bed.persons.changeAddress(as(registrar), unknown, ESCH))).kind).toBe(
        'not-found',
      );
      // No key is made for a number nobody holds.
      expect(await bed.keys.stateOf(unknown)).toBeUndefined();
      expect(await bed.keys.stateOf(nationalId)).toMatchObject({ state: 'live' });
    });
  });

  describe('reads', () => {
    it('reads the record as it stood at an instant: before and after a move, 404 before it existed', async () => {
      const bed = registryTestbed();
      const before = bed.clock.now();
      bed.clock.advance(1_000);
      const { nationalId } = await register(bed);
      const registeredAt = bed.clock.now();
      bed.clock.advance(60_000);
      await bed.persons.changeAddress(as(registrar), nationalId, ESCH);

      const then = await bed.persons.get(as(registrar), nationalId, registeredAt);
      const now = await bed.persons.get(as(registrar), nationalId);

      expect(then).toMatchObject({ version: 1, address: LUXEMBOURG, status: 'registered' });
      expect(now).toMatchObject({ version: 2, address: ESCH });
      expect((await refusal(bed.persons.get(as(registrar), nationalId, before))).kind).toBe(
        'not-found',
      );
    });

    it('lists every change with its version, type, times and changed fields', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      await bed.persons.changeAddress(as(registrar), nationalId, ESCH);
      await bed.persons.changeCivilStatus(as(registrar), nationalId, {
        civilStatus: 'married',
        effectiveDate: '2024-05-04',
      });

      const history = await bed.persons.history(as(citizen(nationalId)), nationalId);

      expect(history.version).toBe(3);
      expect(
        history.entries.map((e) => [e.version, e.eventType, e.changedFields, e.recordedAt]),
      ).toEqual([
        [
          1,
          'gov.registry.v1.PersonRegistered',
          [
            'givenNames',
            'familyName',
            'birthDate',
            'placeOfBirth',
            'sex',
            'nationalities',
            'address',
            'civilStatus',
          ],
          START,
        ],
        [2, 'gov.registry.v1.PersonAddressChanged', ['address'], START],
        [3, 'gov.registry.v1.PersonCivilStatusChanged', ['civilStatus', 'civilStatusSince'], START],
      ]);
      expect(history.entries[1]?.changes).toEqual({ address: ESCH });
      expect(history.entries.map((e) => e.actor)).toEqual(
        Array.from({ length: 3 }, () => ({
          kind: 'registrar',
          id: 'clerk-1',
          organisationId: 'rnpp',
        })),
      );
    });

    it('lets a citizen read their own record, unlogged, and nobody else’s', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const other = await register(bed, { givenNames: 'Ben' });

      await bed.persons.get(as(citizen(nationalId)), nationalId);
      await bed.persons.history(as(citizen(nationalId)), nationalId);

      expect(await bed.store.readStream(streamIds.access(nationalId))).toEqual([]);
      expect((await refusal(bed.persons.get(as(citizen(nationalId)), other.nationalId))).kind).toBe(
        'forbidden',
      );
      expect(
        (await refusal(bed.persons.history(as(citizen(nationalId)), other.nationalId))).kind,
      ).toBe('forbidden');
    });

    it('records an agency’s read on its legal basis, returning only the fields the basis allows', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);

      const view = await bed.persons.get(
        as(agency, {
          purpose: 'family-allowance-eligibility',
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        }),
        nationalId,
      );

      // ccss-family-allowances allows neither the place of birth nor the sex.
      expect(Object.keys(view).sort()).toEqual(
        [
          'nationalId',
          'status',
          'version',
          'givenNames',
          'familyName',
          'birthDate',
          'nationalities',
          'address',
          'civilStatus',
          'civilStatusSince',
        ].sort(),
      );
      const [accessed] = await bed.store.readStream(streamIds.access(nationalId));
      expect(accessed?.eventType).toBe('gov.registry.v1.PersonalDataAccessed');
      expect(
        accessEventsCodec.decode(accessed as NonNullable<typeof accessed>, NO_PERSONAL_DATA),
      ).toEqual({
        type: 'PersonalDataAccessed',
        data: {
          subjectNationalId: nationalId,
          organisationId: 'ccss',
          purpose: 'family-allowance-eligibility',
          legalBasis: 'Code de la sécurité sociale, art. 269',
          legalBasisId: 'ccss-family-allowances',
          fieldsRead: [
            'national_id',
            'given_names',
            'family_name',
            'birth_date',
            'nationalities',
            'address',
            'civil_status',
          ],
          accessedAt: START,
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          accessorRole: 'agency-system',
        },
      });
      expect(bed.consents.asked).toEqual([]);
    });

    it('reads on the basis the agency names, and refuses one that is not its own or not for the purpose', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const read = (legalBasis: string, purpose = 'social-security-affiliation') =>
        bed.persons.get(as(agency, { purpose, legalBasis }), nationalId);

      const affiliation = await read('ccss-affiliation');
      expect(affiliation).toHaveProperty('sex');
      expect(affiliation).not.toHaveProperty('nationalities');
      // Another organisation's basis, a basis for another purpose, free text: 403.
      expect(await refusal(read('acd-income-tax'))).toMatchObject({ kind: 'forbidden' });
      expect(await refusal(read('ccss-family-allowances'))).toMatchObject({ kind: 'forbidden' });
      expect(await refusal(read('loi du 19 juin 2013, art. 10'))).toMatchObject({
        kind: 'forbidden',
      });
      const recorded = await bed.store.readStream(streamIds.access(nationalId));
      expect(
        recorded.map(
          (event) => accessEventsCodec.decode(event, NO_PERSONAL_DATA).data.legalBasisId,
        ),
      ).toEqual(['ccss-affiliation']);
      expect(bed.consents.asked).toEqual([]);
    });

    it('reads on the person’s consent where no basis of the agency allows the purpose, only the consented fields', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const consentId = '0b5c2f4e-2d59-4a6e-9f6b-8f7c1e2d3a4b';
      bed.consents.answer = () =>
        Promise.resolve({
          kind: 'permit',
          consentId,
          categories: ['persons.address', 'persons.family_name'],
        });

      const view = await bed.persons.get(
        as(agency, { purpose: 'housing-subsidy', bearerToken: 'the-agency-token' }),
        nationalId,
      );

      expect(view).toMatchObject({ nationalId, familyName: 'Schmit' });
      expect(view).not.toHaveProperty('givenNames');
      expect(bed.consents.asked).toEqual([
        expect.objectContaining({
          subject: nationalId,
          purpose: 'housing-subsidy',
          bearerToken: 'the-agency-token',
        }),
      ]);
      const [accessed] = await bed.store.readStream(streamIds.access(nationalId));
      expect(
        accessEventsCodec.decode(accessed as NonNullable<typeof accessed>, NO_PERSONAL_DATA).data,
      ).toMatchObject({
        legalBasis: `consent/${consentId}`,
        consentId,
        fieldsRead: ['national_id', 'family_name', 'address'],
      });

      bed.consents.answer = () => Promise.resolve({ kind: 'deny', reason: 'consent revoked' });
      expect(
        await refusal(
          bed.persons.get(
            as(agency, { purpose: 'housing-subsidy', bearerToken: 'the-agency-token' }),
            nationalId,
          ),
        ),
      ).toMatchObject({ kind: 'forbidden' });
      expect(await bed.store.readStream(streamIds.access(nationalId))).toHaveLength(1);
    });

    it('seals a read under a covert basis from the person until the basis’s seal ends', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const police: Principal = { kind: 'agency', subject: 'inv-7', organisationId: 'police' };

      await bed.persons.get(as(police, { purpose: 'criminal-investigation' }), nationalId);

      const [accessed] = await bed.store.readStream(streamIds.access(nationalId));
      expect(
        accessEventsCodec.decode(accessed as NonNullable<typeof accessed>, NO_PERSONAL_DATA).data,
      ).toMatchObject({
        organisationId: 'police',
        legalBasisId: 'police-criminal-investigation',
        sealedUntil: new Date(START.getTime() + 365 * 86_400_000),
      });
    });

    it('records the procedure a read is made for, and refuses a malformed procedure id (400)', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const prefill: Principal = { kind: 'agency', subject: 'svc', organisationId: 'procedures' };

      await bed.persons.get(
        as(prefill, { purpose: 'procedure-prefill', procedureId: 'allocation-familiale' }),
        nationalId,
      );
      expect(
        await refusal(
          bed.persons.get(
            as(prefill, { purpose: 'procedure-prefill', procedureId: 'no spaces, please' }),
            nationalId,
          ),
        ),
      ).toMatchObject({ kind: 'validation-failed', fields: ['X-Procedure'] });

      const recorded = await bed.store.readStream(streamIds.access(nationalId));
      expect(
        recorded.map((event) => accessEventsCodec.decode(event, NO_PERSONAL_DATA).data),
      ).toEqual([
        expect.objectContaining({
          organisationId: 'procedures',
          legalBasisId: 'procedures-prefill-explicit-request',
          procedureId: 'allocation-familiale',
        }),
      ]);
    });

    it('gives an agency the history of only the fields it may read', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);

      const history = await bed.persons.history(
        as(agency, { purpose: 'family-allowance-eligibility' }),
        nationalId,
      );

      expect(history.entries[0]?.changedFields).not.toContain('sex');
      expect(history.entries[0]?.changes).not.toHaveProperty('placeOfBirth');
      expect(history.entries[0]?.changes).toHaveProperty('address');
    });

    it('records a registrar’s reads, as-of and history included, with the register-keeping basis', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);

      await bed.persons.get(as(registrar), nationalId);
      await bed.persons.get(as(registrar), nationalId, bed.clock.now());
      await bed.persons.history(as(registrar), nationalId);

      const reads = (await bed.store.readStream(streamIds.access(nationalId))).map((event) =>
        accessEventsCodec.decode(event, NO_PERSONAL_DATA),
      );
      expect(reads).toHaveLength(3);
      expect(reads[2]?.data).toMatchObject({
        organisationId: 'rnpp',
        accessorRole: 'registrar',
        purpose: 'keeping the register of natural persons',
        traceId: null,
      });
    });

    it('asks an agency for its purpose (400), refuses an organisation outside the catalogue, and records nothing', async () => {
      const bed = registryTestbed();
      const { nationalId } = await register(bed);
      const stranger: Principal = { kind: 'agency', subject: 's-1', organisationId: 'unknown-org' };

      expect(await refusal(bed.persons.get(as(agency), nationalId))).toMatchObject({
        kind: 'validation-failed',
        fields: ['X-Purpose'],
      });
      expect(
        await refusal(bed.persons.get(as(stranger, { purpose: 'curiosity' }), nationalId)),
      ).toMatchObject({ kind: 'forbidden' });
      expect(await bed.store.readStream(streamIds.access(nationalId))).toEqual([]);
      expect(bed.consents.asked).toEqual([]);
    });

    it('answers 404 for a record that does not exist, recording no access', async () => {
      const bed = registryTestbed();
      const unknown = composeNationalId('1950-01-01', 3);

      expect((await refusal(bed.persons.get(as(registrar), unknown))).kind).toBe('not-found');
      expect((await refusal(bed.persons.history(as(registrar), unknown))).kind).toBe('not-found');
      expect(await bed.store.readStream(streamIds.access(unknown))).toEqual([]);
    });
  });
});
