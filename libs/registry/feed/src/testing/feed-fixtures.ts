// Registry events for this library's tests: one person's and one business's life, and the
// correction and access events that must stay off the feed. Not exported from the library.
import { InMemorySubjectKeyStore, KeyEncryptionKey, KeyRing } from '@gov/platform-data-protection';
import type { SubjectKeyStore, SubjectKeys } from '@gov/platform-data-protection';
import { randomInt } from 'node:crypto';

import type { EventStore } from '@gov/platform-event-sourcing';
import {
  accessEventsCodec,
  businessEventsCodec,
  correctionEventsCodec,
  NO_PERSONAL_DATA,
  personEventsCodec,
  streamIds,
  keysOfRecord,
} from '@gov/registry-application';
import type { PersonalDataAccessed } from '@gov/registry-application';
import { composeNationalId } from '@gov/registry-domain';
import type {
  Address,
  BusinessEvent,
  BusinessNumber,
  CorrectionEvent,
  NationalId,
  PersonEvent,
} from '@gov/registry-domain';

/** When the events of the tests happened, one minute apart. */
export const T0 = new Date('2026-03-01T10:00:00.000Z');
export const at = (minute: number): Date => new Date(T0.getTime() + minute * 60_000);

export const LUXEMBOURG: Address = {
  street: 'Boulevard Royal',
  houseNumber: '12A',
  postcode: '2449',
  locality: 'Luxembourg',
  country: 'LU',
};
export const ESCH: Address = {
  street: "Rue de l'Alzette",
  houseNumber: '7',
  postcode: '4011',
  locality: 'Esch-sur-Alzette',
  country: 'LU',
};
export const METZ: Address = {
  street: 'Rue Serpenoise',
  houseNumber: '3',
  postcode: '57000',
  locality: 'Metz',
  country: 'FR',
};

/** A valid national identification number no other test uses (a random sequence). */
export function newNationalId(birthDate = '1983-08-12'): NationalId {
  return composeNationalId(birthDate, randomInt(0, 1000));
}

/** A business number no other test uses, most likely. */
export function newBusinessNumber(): BusinessNumber {
  return `B${randomInt(1, 1_000_000)}` as BusinessNumber;
}

/** A person's life as the register records it: every kind of person event, in order. */
export function personLife(nationalId: NationalId, correctionId: string): PersonEvent[] {
  return [
    {
      type: 'PersonRegistered',
      data: {
        nationalId,
        givenNames: 'Anna Maria',
        familyName: 'Schmit',
        birthDate: `${nationalId.slice(0, 4)}-${nationalId.slice(4, 6)}-${nationalId.slice(6, 8)}`,
        placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
        sex: 'F',
        nationalities: ['LU', 'PT'],
        address: LUXEMBOURG,
        civilStatus: 'single',
      },
    },
    {
      type: 'PersonNameChanged',
      data: { nationalId, givenNames: 'Anna Maria', familyName: 'Schmit-Weber' },
    },
    { type: 'PersonAddressChanged', data: { nationalId, address: ESCH } },
    {
      type: 'PersonCivilStatusChanged',
      data: { nationalId, civilStatus: 'married', effectiveDate: '2024-05-04' },
    },
    { type: 'PersonDeathRecorded', data: { nationalId, dateOfDeath: '2026-02-01' } },
    {
      type: 'PersonRecordCorrected',
      data: {
        nationalId,
        correctionId,
        correction: { field: 'placeOfBirth', value: { locality: 'Diekirch', country: 'LU' } },
      },
    },
  ];
}

/** A business's life: every kind of business event, in order. */
export function businessLife(
  businessNumber: BusinessNumber,
  managers: readonly [NationalId, NationalId],
  correctionId: string,
): BusinessEvent[] {
  const [first, second] = [...managers].sort() as [NationalId, NationalId];
  return [
    {
      type: 'BusinessRegistered',
      data: {
        businessNumber,
        name: 'Schmit & Weber SARL',
        legalForm: 'SARL',
        registeredAddress: LUXEMBOURG,
        managers: [{ nationalId: first, role: 'manager' }],
      },
    },
    { type: 'BusinessAddressChanged', data: { businessNumber, registeredAddress: ESCH } },
    {
      type: 'BusinessManagersChanged',
      data: {
        businessNumber,
        managers: [
          { nationalId: first, role: 'manager' },
          { nationalId: second, role: 'daily-manager' },
        ],
      },
    },
    {
      type: 'BusinessStruckOff',
      data: { businessNumber, effectiveDate: '2026-01-31', ground: 'dissolution' },
    },
    {
      type: 'BusinessRecordCorrected',
      data: {
        businessNumber,
        correctionId,
        correction: { field: 'name', value: 'Schmit et Weber SARL' },
      },
    },
  ];
}

/** A correction request on a person's record, accepted: events of the correction's stream. */
export function acceptedCorrection(
  nationalId: NationalId,
  correctionId: string,
): CorrectionEvent[] {
  const target = {
    register: 'persons' as const,
    recordId: nationalId,
    correction: {
      field: 'placeOfBirth' as const,
      value: { locality: 'Diekirch', country: 'LU' },
    },
  };
  return [
    {
      type: 'CorrectionRequested',
      data: {
        correctionId,
        target,
        justification: 'I was born in Diekirch, see my birth certificate',
        requester: nationalId,
      },
    },
    {
      type: 'CorrectionAccepted',
      data: { correctionId, target, requester: nationalId, acceptedBy: 'clerk-1' },
    },
  ];
}

/** A registrar read the person's record. */
export function accessed(nationalId: NationalId, when: Date): PersonalDataAccessed {
  return {
    type: 'PersonalDataAccessed',
    data: {
      subjectNationalId: nationalId,
      organisationId: 'rnpp',
      purpose: 'register-keeping',
      legalBasis: 'loi du 19 juin 2013, art. 10',
      fieldsRead: ['national_id', 'family_name'],
      accessedAt: when,
      traceId: null,
      accessorRole: 'registrar',
    },
  };
}

/** What the tests append: a stream and the events for it, encoded by the application's codecs. */
export type Append =
  | { readonly kind: 'person'; readonly streamId: string; readonly event: PersonEvent }
  | { readonly kind: 'business'; readonly streamId: string; readonly event: BusinessEvent }
  | { readonly kind: 'correction'; readonly streamId: string; readonly event: CorrectionEvent }
  | { readonly kind: 'access'; readonly streamId: string; readonly event: PersonalDataAccessed };

export const personAppend = (event: PersonEvent): Append => ({
  kind: 'person',
  streamId: streamIds.person(event.data.nationalId),
  event,
});
export const businessAppend = (event: BusinessEvent): Append => ({
  kind: 'business',
  streamId: streamIds.business(event.data.businessNumber),
  event,
});
export const correctionAppend = (event: CorrectionEvent): Append => ({
  kind: 'correction',
  streamId: streamIds.correction(event.data.correctionId),
  event,
});
export const accessAppend = (event: PersonalDataAccessed): Append => ({
  kind: 'access',
  streamId: streamIds.access(event.data.subjectNationalId),
  event,
});

/**
 * The registry's log, interleaved: a person's whole life, the first three events of another's, a
 * business's whole life, an accepted correction request and two reads (the last two kinds stay
 * off the feed).
 */
export function interleavedLog(
  anna: NationalId,
  ben: NationalId,
  business: BusinessNumber,
  correctionId: string,
): Append[] {
  const annaLife = personLife(anna, correctionId).map(personAppend);
  const benLife = personLife(ben, correctionId).slice(0, 3).map(personAppend);
  const businessEvents = businessLife(business, [anna, ben], correctionId).map(businessAppend);
  const correction = acceptedCorrection(anna, correctionId).map(correctionAppend);
  const reads = [accessAppend(accessed(anna, at(1))), accessAppend(accessed(ben, at(2)))];
  const out: Append[] = [];
  const queues = [annaLife, benLife, businessEvents, correction, reads];
  while (queues.some((q) => q.length > 0)) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next) out.push(next);
    }
  }
  return out;
}

/**
 * The per-subject keys of the feed's tests (in memory: the keys do not live with the events), for
 * {@link appendAll} and the `RecordStates` under test.
 */
export const feedTestKeys = new InMemorySubjectKeyStore(KeyEncryptionKey.generate());

/** The keys a correction event is sealed with: its person's for a person's record. */
function correctionKeys(keys: SubjectKeyStore, event: CorrectionEvent): Promise<SubjectKeys> {
  switch (event.type) {
    case 'CorrectionRequested':
    case 'CorrectionAccepted':
      return keysOfRecord(keys, event.data.target.register, event.data.target.recordId);
    case 'CorrectionRejected':
      return keysOfRecord(keys, event.data.register, event.data.recordId);
    default:
      return Promise.resolve(NO_PERSONAL_DATA);
  }
}

/** Appends each event on its own, after whatever its stream holds, occurring at `when(i)`. */
export async function appendAll(
  store: EventStore,
  appends: readonly Append[],
  when: (index: number) => Date = at,
  keys: SubjectKeyStore = feedTestKeys,
): Promise<void> {
  for (const [i, append] of appends.entries()) {
    const occurredAt = when(i);
    const encoded =
      append.kind === 'person'
        ? personEventsCodec.encode(
            append.event,
            occurredAt,
            await KeyRing.forWriting(keys, [append.event.data.nationalId]),
          )
        : append.kind === 'business'
          ? businessEventsCodec.encode(append.event, occurredAt, NO_PERSONAL_DATA)
          : append.kind === 'correction'
            ? correctionEventsCodec.encode(
                append.event,
                occurredAt,
                await correctionKeys(keys, append.event),
              )
            : accessEventsCodec.encode(append.event, occurredAt, NO_PERSONAL_DATA);
    await store.append(append.streamId, 'any', [encoded], {
      correlationId: `feed-test-${i}`,
      actor: { kind: 'registrar', id: 'clerk-1', organisationId: 'rnpp' },
    });
  }
}
