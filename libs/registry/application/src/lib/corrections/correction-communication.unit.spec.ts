import { KeyRing } from '@gov/platform-data-protection';
import type { Principal } from '@gov/platform-auth';

import { correctionEventsCodec } from '../codecs/correction-events.codec';
import {
  START,
  agency,
  anna,
  as,
  citizen,
  registrar,
  registryTestbed,
} from '../../testing/registry-testbed';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import { streamIds } from '../streams';
import { acceptanceOf, applyAcceptedCorrection, noticeIdFor } from './apply-accepted-correction';

type Testbed = ReturnType<typeof registryTestbed>;

const police: Principal = { kind: 'agency', subject: 'svc-police', organisationId: 'police' };
const FAMILY_ALLOWANCE = { purpose: 'family-allowance-eligibility' };

/** Anna registered; the agencies' reads happen in the test, then `request` asks to correct. */
async function annaRegistered(bed: Testbed) {
  const { nationalId } = await bed.persons.register(as(registrar), anna());
  return nationalId;
}

async function request(
  bed: Testbed,
  nationalId: string,
  correction: { field: 'familyName'; value: string } | { field: 'sex'; value: 'X' },
) {
  const { correctionId } = await bed.corrections.request(as(citizen(nationalId)), {
    target: { register: 'persons', recordId: nationalId, correction },
    justification: 'My birth certificate shows otherwise.',
  });
  return correctionId;
}

describe('communicating an accepted correction to those who had the old value', () => {
  it('names the agency that read the field, in the requester’s view, caused by the record change', async () => {
    const bed = registryTestbed();
    const nationalId = await annaRegistered(bed);
    await bed.persons.get(as(agency, FAMILY_ALLOWANCE), nationalId);
    const readAt = bed.clock.now();
    bed.clock.advance(60_000);
    const correctionId = await request(bed, nationalId, { field: 'familyName', value: 'Schmidt' });
    bed.clock.advance(60_000);

    const accepted = await bed.corrections.accept(as(registrar), correctionId);
    // A read after the acceptance got the correct value: no notice for it.
    bed.clock.advance(60_000);
    await bed.persons.get(as(police, { purpose: 'criminal-investigation' }), nationalId);

    expect(accepted.version).toBe(3);
    const view = await bed.corrections.get(as(citizen(nationalId)), correctionId);
    expect(view.communicatedTo).toEqual([
      {
        organisationId: 'ccss',
        lastReceivedAt: readAt,
        purpose: 'family-allowance-eligibility',
        legalBasis: 'Code de la sécurité sociale, art. 269',
        procedureId: null,
        communicatedAt: new Date(START.getTime() + 120_000),
        sealedUntil: null,
      },
    ]);
    const stream = await bed.store.readStream(streamIds.correction(correctionId));
    const [, corrected] = await bed.store.readStream(streamIds.person(nationalId));
    expect(stream.map((e) => e.eventType)).toEqual([
      'gov.registry.v1.CorrectionRequested',
      'gov.registry.v1.CorrectionAccepted',
      'gov.registry.v1.CorrectionCommunicated',
    ]);
    expect(stream[2]?.causationId).toBe(corrected?.eventId);
    expect(
      correctionEventsCodec.decode(stream[2] as NonNullable<(typeof stream)[2]>, NO_PERSONAL_DATA),
    ).toEqual({
      type: 'CorrectionCommunicated',
      data: expect.objectContaining({
        recipients: [expect.objectContaining({ noticeId: noticeIdFor(correctionId, 'ccss') })],
      }) as unknown,
    });
    // The read model keeps the recipients.
    expect(await bed.readModel.recipientsOf(correctionId)).toEqual([
      expect.objectContaining({ organisationId: 'ccss', lastReceivedAt: readAt }),
    ]);
    // A second acceptance communicates nothing more.
    await bed.corrections.accept(as(registrar), correctionId);
    expect(await bed.store.readStream(streamIds.correction(correctionId))).toHaveLength(3);
  });

  it('sends nothing to an agency that did not read the corrected field, and says so', async () => {
    const bed = registryTestbed();
    const nationalId = await annaRegistered(bed);
    // ccss's family-allowance basis does not give it the sex marker.
    await bed.persons.get(as(agency, FAMILY_ALLOWANCE), nationalId);
    bed.clock.advance(1_000);
    const correctionId = await request(bed, nationalId, { field: 'sex', value: 'X' });
    await bed.corrections.accept(as(registrar), correctionId);

    expect(
      (await bed.corrections.get(as(citizen(nationalId)), correctionId)).communicatedTo,
    ).toEqual([]);
    // Before the acceptance, there is nothing to show.
    const pending = await request(bed, nationalId, { field: 'familyName', value: 'Schmidt' });
    expect((await bed.corrections.get(as(citizen(nationalId)), pending)).communicatedTo).toBeNull();
  });

  it('hides a sealed recipient from the person until its seal ends; the registrar sees it', async () => {
    const bed = registryTestbed();
    const nationalId = await annaRegistered(bed);
    await bed.persons.get(as(police, { purpose: 'criminal-investigation' }), nationalId);
    const sealedUntil = new Date(bed.clock.now().getTime() + 365 * 86_400_000);
    bed.clock.advance(1_000);
    const correctionId = await request(bed, nationalId, { field: 'familyName', value: 'Schmidt' });
    await bed.corrections.accept(as(registrar), correctionId);

    expect(
      (await bed.corrections.get(as(citizen(nationalId)), correctionId)).communicatedTo,
    ).toEqual([]);
    expect((await bed.corrections.get(as(registrar), correctionId)).communicatedTo).toEqual([
      expect.objectContaining({ organisationId: 'police', sealedUntil }),
    ]);

    bed.clock.advance(365 * 86_400_000);
    expect(
      (await bed.corrections.get(as(citizen(nationalId)), correctionId)).communicatedTo,
    ).toEqual([expect.objectContaining({ organisationId: 'police', sealedUntil: null })]);
  });

  it('lets the reactor communicate a correction whose communication a crash lost', async () => {
    const bed = registryTestbed();
    const nationalId = await annaRegistered(bed);
    await bed.persons.get(as(agency, FAMILY_ALLOWANCE), nationalId);
    bed.clock.advance(1_000);
    const correctionId = await request(bed, nationalId, { field: 'familyName', value: 'Schmidt' });
    // The acceptance and the record change reached the log; the process died before the
    // communication.
    const [requestedEvent] = await bed.store.readStream(streamIds.correction(correctionId));
    // Sealed under the person's key: the ring of their live key opens and seals.
    const keys = await KeyRing.forWriting(bed.keys, [nationalId]);
    const requested = correctionEventsCodec.decode(requestedEvent as never, keys);
    if (requested.type !== 'CorrectionRequested') throw new Error('expected a request');
    await bed.store.append(
      streamIds.correction(correctionId),
      1,
      [
        correctionEventsCodec.encode(
          {
            type: 'CorrectionAccepted',
            data: { ...requested.data, acceptedBy: 'clerk-1' },
          } as never,
          bed.clock.now(),
          keys,
        ),
      ],
      { correlationId: 'crashed-request' },
    );
    const accepted = await acceptanceOf(bed.store, bed.keys, correctionId);
    await applyAcceptedCorrection(bed.store, bed.keys, accepted.event, bed.clock.now(), {
      correlationId: 'crashed-request',
      causationId: accepted.recorded.eventId,
    });
    while ((await bed.projector.runOnce()) > 0) {
      // catch up
    }
    expect(await bed.readModel.pendingAcceptances(bed.clock.now(), 10)).toEqual([]);
    // Left to the request within the grace period.
    expect(await bed.reactor.runOnce()).toBe(0);
    bed.clock.advance(5_000);
    expect(await bed.readModel.pendingCommunications(bed.clock.now(), 10)).toEqual([correctionId]);

    expect(await bed.reactor.runOnce()).toBe(1);

    const stream = await bed.store.readStream(streamIds.correction(correctionId));
    expect(stream[2]).toMatchObject({
      eventType: 'gov.registry.v1.CorrectionCommunicated',
      correlationId: 'crashed-request',
      actor: { kind: 'service', id: 'registry' },
    });
    const [, corrected] = await bed.store.readStream(streamIds.person(nationalId));
    expect(stream[2]?.causationId).toBe(corrected?.eventId);
    // The same notice id as the request path would have minted.
    expect(correctionEventsCodec.decode(stream[2] as never, NO_PERSONAL_DATA)).toMatchObject({
      data: {
        recipients: [{ organisationId: 'ccss', noticeId: noticeIdFor(correctionId, 'ccss') }],
      },
    });
    while ((await bed.projector.runOnce()) > 0) {
      // catch up
    }
    expect(await bed.readModel.pendingCommunications(bed.clock.now(), 10)).toEqual([]);
    expect(await bed.reactor.runOnce()).toBe(0);
    expect(await bed.store.readStream(streamIds.correction(correctionId))).toHaveLength(3);
  });
});
