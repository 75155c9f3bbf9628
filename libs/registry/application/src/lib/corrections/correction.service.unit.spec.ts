import type { Principal } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import { KeyRing, SubjectErasedError } from '@gov/platform-data-protection';
import { composeNationalId } from '@gov/registry-domain';

import { correctionEventsCodec, correctionFactsOf } from '../codecs/correction-events.codec';
import { personEventsCodec } from '../codecs/person-events.codec';
import {
  CLERK_NATIONAL_ID,
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
  unenrolledRegistrar,
} from '../../testing/registry-testbed';
import { streamIds } from '../streams';
import { keysToWrite } from '../commands';

type Testbed = ReturnType<typeof registryTestbed>;

const START_PLUS_5S = new Date(START.getTime() + 5_000);

async function problem(promise: Promise<unknown>) {
  const error = await failure(promise);
  if (!(error instanceof ApplicationError)) throw error;
  return { kind: error.kind, code: error.extensions['code'] };
}

/** Anna registered, and her request to correct her family name. */
async function requested(bed: Testbed) {
  const { nationalId } = await bed.persons.register(as(registrar), anna());
  const request = await bed.corrections.request(as(citizen(nationalId)), {
    target: {
      register: 'persons',
      recordId: nationalId,
      correction: { field: 'familyName', value: 'Schmidt' },
    },
    justification: 'My birth certificate spells it Schmidt.',
  });
  return { nationalId, correctionId: request.correctionId, request };
}

/** Appends the acceptance of a request by clerk-1, as a request that then crashed would have. */
async function appendAcceptance(bed: Testbed, correctionId: string, correlationId: string) {
  const [request] = await bed.store.readStream(streamIds.correction(correctionId));
  if (request === undefined) throw new Error('expected a request');
  // A person's request is sealed under their key: the ring of their live key opens and seals.
  const facts = correctionFactsOf(request);
  if (facts.type !== 'CorrectionRequested') throw new Error('expected a request');
  const keys = await KeyRing.forWriting(bed.keys, [facts.recordId]);
  const requestedEvent = correctionEventsCodec.decode(request, keys);
  if (requestedEvent.type !== 'CorrectionRequested') throw new Error('expected a request');
  await bed.store.append(
    streamIds.correction(correctionId),
    1,
    [
      correctionEventsCodec.encode(
        {
          type: 'CorrectionAccepted',
          data: {
            correctionId,
            target: requestedEvent.data.target,
            requester: requestedEvent.data.requester,
            acceptedBy: 'clerk-1',
          },
        },
        START,
        keys,
      ),
    ],
    { correlationId },
  );
}

async function catchUp(bed: Testbed): Promise<void> {
  while ((await bed.projector.runOnce(2)) > 0) {
    // next batch
  }
}

describe('CorrectionService', () => {
  it('takes a citizen’s request on their own record and lists it with its status', async () => {
    const bed = registryTestbed();

    const { nationalId, correctionId, request } = await requested(bed);

    expect(request).toEqual({ correctionId, status: 'REQUESTED', version: 1, changed: true });
    expect(await bed.corrections.list(as(citizen(nationalId)))).toEqual([
      {
        correctionId,
        register: 'persons',
        recordId: nationalId,
        field: 'familyName',
        requester: nationalId,
        status: 'REQUESTED',
        requestedAt: START,
        decidedAt: null,
        decidedBy: null,
        reason: null,
        appliedToRecord: false,
        communicatedAt: null,
        version: 1,
      },
    ]);
    expect(await bed.corrections.get(as(citizen(nationalId)), correctionId)).toMatchObject({
      status: 'REQUESTED',
      field: 'familyName',
      value: 'Schmidt',
      requester: nationalId,
    });
  });

  it('accepts: the record changes by its own event, caused by the acceptance', async () => {
    const bed = registryTestbed();
    const { nationalId, correctionId } = await requested(bed);

    const accepted = await bed.corrections.accept(as(registrar), correctionId);

    // Version 3: the acceptance, then its communication (to nobody: no one read the record).
    expect(accepted).toEqual({
      correctionId,
      status: 'ACCEPTED',
      version: 3,
      changed: true,
      record: { register: 'persons', recordId: nationalId, version: 2, changed: true },
    });
    const [, acceptance] = await bed.store.readStream(streamIds.correction(correctionId));
    const [, corrected] = await bed.store.readStream(streamIds.person(nationalId));
    expect(corrected).toMatchObject({
      eventType: 'gov.registry.v1.PersonRecordCorrected',
      causationId: acceptance?.eventId,
      correlationId: acceptance?.correlationId,
      actor: { kind: 'registrar', id: 'clerk-1', organisationId: 'rnpp' },
    });
    expect(await bed.persons.get(as(citizen(nationalId)), nationalId)).toMatchObject({
      familyName: 'Schmidt',
    });
    expect((await bed.corrections.list(as(citizen(nationalId))))[0]).toMatchObject({
      status: 'ACCEPTED',
      decidedBy: 'clerk-1',
      appliedToRecord: true,
    });

    // A repeat changes nothing, and answers the same.
    const again = await bed.corrections.accept(as(registrar), correctionId);
    expect(again).toMatchObject({ status: 'ACCEPTED', version: 3, changed: false });
    expect(again.record).toMatchObject({ version: 2, changed: false });
  });

  it('lets the reactor finish an acceptance whose record change was lost, after a grace period', async () => {
    const bed = registryTestbed();
    const { nationalId, correctionId } = await requested(bed);
    // The acceptance reached the log, the process died before the record changed.
    await appendAcceptance(bed, correctionId, 'crashed-request');
    await catchUp(bed);
    expect((await bed.corrections.list(as(citizen(nationalId))))[0]).toMatchObject({
      status: 'ACCEPTED',
      appliedToRecord: false,
    });

    // Within the grace period the acceptance is left to its request.
    bed.clock.advance(4_000);
    expect(await bed.reactor.runOnce()).toBe(0);
    bed.clock.advance(1_000);
    expect(await bed.reactor.runOnce()).toBe(1);

    const record = await bed.store.readStream(streamIds.person(nationalId));
    expect(record.map((e) => e.eventType)).toEqual([
      'gov.registry.v1.PersonRegistered',
      'gov.registry.v1.PersonRecordCorrected',
    ]);
    expect(record[1]).toMatchObject({
      correlationId: 'crashed-request',
      actor: { kind: 'service', id: 'registry' },
    });
    // The projector marks it applied from the record's event, which empties the to-do list.
    await catchUp(bed);
    expect((await bed.corrections.list(as(citizen(nationalId))))[0]).toMatchObject({
      status: 'ACCEPTED',
      appliedToRecord: true,
      communicatedAt: START_PLUS_5S,
      version: 3,
    });
    expect(await bed.reactor.runOnce()).toBe(0);
    expect(await bed.store.readStream(streamIds.person(nationalId))).toHaveLength(2);
    expect(await bed.projector.runOnce()).toBe(0);
  });

  it('has the reactor report an acceptance it cannot apply once, and leave it for a registrar', async () => {
    const bed = registryTestbed();
    // A request on a record that is not there (only a damaged or hand-edited log holds one).
    const nationalId = composeNationalId('1990-01-01', 7);
    const correctionId = '6f1f8a4e-4a8c-4a53-9d43-1f1d2a0f7b10';
    const target = {
      register: 'persons' as const,
      recordId: nationalId,
      correction: { field: 'familyName' as const, value: 'Schmidt' },
    };
    await bed.store.append(
      streamIds.correction(correctionId),
      0,
      [
        correctionEventsCodec.encode(
          {
            type: 'CorrectionRequested',
            data: { correctionId, target, justification: 'typo', requester: nationalId },
          },
          START,
          await KeyRing.forWriting(bed.keys, [nationalId]),
        ),
      ],
      { correlationId: 'hand-made' },
    );
    await appendAcceptance(bed, correctionId, 'hand-made');
    await catchUp(bed);
    bed.clock.advance(10_000);

    expect(await bed.reactor.runOnce()).toBe(0);
    expect(bed.warnings).toEqual([
      expect.stringContaining(`correction ${correctionId}`) as unknown as string,
    ]);
    expect(await bed.reactor.runOnce()).toBe(0);
    expect(bed.warnings).toHaveLength(1);
    expect(await bed.readModel.pendingAcceptances(bed.clock.now(), 10)).toEqual([correctionId]);
  });

  it('rejects with a reason; the record is unchanged; a later acceptance is a conflict', async () => {
    const bed = registryTestbed();
    const { nationalId, correctionId } = await requested(bed);

    const rejected = await bed.corrections.reject(
      as(registrar),
      correctionId,
      'The certificate shows Schmit.',
    );

    expect(rejected).toEqual({ correctionId, status: 'REJECTED', version: 2, changed: true });
    expect(await bed.corrections.get(as(registrar), correctionId)).toMatchObject({
      status: 'REJECTED',
      reason: 'The certificate shows Schmit.',
      decidedBy: 'clerk-1',
    });
    expect(await bed.store.readStream(streamIds.person(nationalId))).toHaveLength(1);
    expect(await problem(bed.corrections.accept(as(registrar), correctionId))).toEqual({
      kind: 'conflict',
      code: 'CORRECTION_ALREADY_DECIDED',
    });
  });

  it('keeps a person’s words and the reason out of the read model; lists open them from the log', async () => {
    const bed = registryTestbed();
    const { nationalId, correctionId } = await requested(bed);
    await bed.corrections.reject(as(registrar), correctionId, 'The certificate shows Schmit.');

    // The read model holds the facts only: the reason is sealed under the person's key.
    expect(await bed.readModel.listByRequester(nationalId, {})).toEqual([
      expect.objectContaining({
        correctionId,
        field: 'familyName',
        status: 'REJECTED',
        reason: null,
      }),
    ]);
    // The stored events carry no word of either in clear.
    const stored = await bed.store.readStream(streamIds.correction(correctionId));
    const clear = stored.map((event) => Buffer.from(event.payload).toString('latin1')).join();
    expect(clear).not.toContain('Schmidt');
    expect(clear).not.toContain('Schmit');
    expect(stored.map((event) => event.dataSubjectKeyId)).toEqual([
      expect.any(String),
      stored[0]?.dataSubjectKeyId,
    ]);
    // Both the requester and the registrar read it in their lists.
    for (const reader of [citizen(nationalId), registrar]) {
      expect(await bed.corrections.list(as(reader))).toEqual([
        expect.objectContaining({ correctionId, reason: 'The certificate shows Schmit.' }),
      ]);
    }
  });

  it('answers erased for the requests of an erased person, and takes no decision on them', async () => {
    const bed = registryTestbed();
    const { nationalId, correctionId } = await requested(bed);
    await bed.keys.destroy(nationalId, bed.clock.now());

    await expect(bed.corrections.get(as(registrar), correctionId)).rejects.toThrow(
      SubjectErasedError,
    );
    await expect(bed.corrections.accept(as(registrar), correctionId)).rejects.toThrow(
      SubjectErasedError,
    );
    expect(await bed.store.readStream(streamIds.correction(correctionId))).toHaveLength(1);
  });

  it('keeps the four-eyes rule: no decision on one’s own record, none without enrolment', async () => {
    const bed = registryTestbed();
    // The clerk's own record: the one they are enrolled with.
    await bed.store.append(
      streamIds.person(CLERK_NATIONAL_ID),
      0,
      [
        personEventsCodec.encode(
          {
            type: 'PersonRegistered',
            data: { ...anna({ birthDate: '1975-06-03' }), nationalId: CLERK_NATIONAL_ID },
          },
          START,
          await keysToWrite(bed.keys, CLERK_NATIONAL_ID),
        ),
      ],
      { correlationId: 'import' },
    );
    const { correctionId } = await bed.corrections.request(as(citizen(CLERK_NATIONAL_ID)), {
      target: {
        register: 'persons',
        recordId: CLERK_NATIONAL_ID,
        correction: { field: 'address', value: ESCH },
      },
      justification: 'I moved to Esch.',
    });

    expect(await problem(bed.corrections.accept(as(registrar), correctionId))).toEqual({
      kind: 'forbidden',
      code: 'CONFLICT_OF_INTEREST',
    });
    expect(
      (await problem(bed.corrections.accept(as(unenrolledRegistrar), correctionId))).kind,
    ).toBe('forbidden');
    // The national_id claim of the token counts like an enrolment.
    const tokenCarryingRegistrar: Principal = {
      kind: 'registrar',
      subject: 'clerk-with-claim',
      registers: ['persons'],
      organisationId: undefined,
      nationalId: CLERK_NATIONAL_ID,
    };
    expect(await problem(bed.corrections.accept(as(tokenCarryingRegistrar), correctionId))).toEqual(
      { kind: 'forbidden', code: 'CONFLICT_OF_INTEREST' },
    );
    expect((await problem(bed.corrections.accept(as(businessRegistrar), correctionId))).kind).toBe(
      'forbidden',
    );
    expect(await bed.store.readStream(streamIds.correction(correctionId))).toHaveLength(1);
  });

  it('refuses requests on others’ records (403) and on records that do not exist (404)', async () => {
    const bed = registryTestbed();
    const { nationalId } = await bed.persons.register(as(registrar), anna());
    const stranger = composeNationalId('1990-01-31', 12);
    const ask = (requester: string, recordId: string) =>
      bed.corrections.request(as(citizen(requester)), {
        target: { register: 'persons', recordId, correction: { field: 'address', value: ESCH } },
        justification: 'Wrong address.',
      });

    expect(await problem(ask(stranger, nationalId))).toEqual({
      kind: 'forbidden',
      code: 'NOT_DATA_SUBJECT',
    });
    expect((await problem(ask(stranger, stranger))).kind).toBe('not-found');
    expect(
      (
        await problem(
          bed.corrections.request(as(registrar), {
            target: {
              register: 'persons',
              recordId: nationalId,
              correction: { field: 'address', value: ESCH },
            },
            justification: 'x',
          }),
        )
      ).kind,
    ).toBe('forbidden');
  });

  it('lets a current manager ask to correct their business, and applies it on acceptance', async () => {
    const bed = registryTestbed();
    const manager = composeNationalId('1990-01-31', 12);
    const { businessNumber } = await bed.businesses.register(as(registrar), {
      name: 'Moselle Logistics',
      legalForm: 'SARL',
      registeredAddress: LUXEMBOURG,
      managers: [{ nationalId: manager, role: 'manager' }],
    });
    const outsider = composeNationalId('1983-08-12', 467);
    const ask = (requester: string) =>
      bed.corrections.request(as(citizen(requester)), {
        target: {
          register: 'businesses',
          recordId: businessNumber,
          correction: { field: 'legalForm', value: 'SARL-S' },
        },
        justification: 'Incorporated as a simplified SARL, see the deed.',
      });

    expect((await problem(ask(outsider))).code).toBe('NOT_DATA_SUBJECT');
    const { correctionId } = await ask(manager);
    expect((await problem(bed.corrections.get(as(citizen(outsider)), correctionId))).kind).toBe(
      'forbidden',
    );
    expect(await bed.corrections.list(as(businessRegistrar), { status: 'REQUESTED' })).toHaveLength(
      1,
    );

    const accepted = await bed.corrections.accept(as(businessRegistrar), correctionId);

    expect(await bed.businesses.get(as(registrar), businessNumber)).toMatchObject({
      legalForm: 'SARL-S',
      version: 2,
    });
    // A business's record has no access log: the correction is not communicated, ever.
    expect(accepted.version).toBe(2);
    expect((await bed.corrections.get(as(citizen(manager)), correctionId)).communicatedTo).toBe(
      null,
    );
    bed.clock.advance(60_000);
    expect(await bed.reactor.runOnce()).toBe(0);
    expect(await bed.store.readStream(streamIds.correction(correctionId))).toHaveLength(2);
  });

  it('keeps agencies away from correction requests', async () => {
    const bed = registryTestbed();
    const { correctionId } = await requested(bed);

    expect((await problem(bed.corrections.list(as(agency)))).kind).toBe('forbidden');
    expect((await problem(bed.corrections.get(as(agency), correctionId))).kind).toBe('forbidden');
    expect((await problem(bed.corrections.accept(as(agency), correctionId))).kind).toBe(
      'forbidden',
    );
  });
});
