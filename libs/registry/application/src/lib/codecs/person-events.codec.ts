import { create } from '@bufbuild/protobuf';

import {
  NationalitiesSchema,
  PersonAddressChangedSchema,
  PersonAddressChanged_PersonalDataSchema,
  PersonCivilStatusChangedSchema,
  PersonCivilStatusChanged_PersonalDataSchema,
  PersonCorrectionSchema,
  PersonDeathRecordedSchema,
  PersonDeathRecorded_PersonalDataSchema,
  PersonErasedSchema,
  PersonNameChangedSchema,
  PersonNameChanged_PersonalDataSchema,
  PersonRecordCorrectedSchema,
  PersonRecordCorrected_PersonalDataSchema,
  PersonRegisteredSchema,
  PersonRegistered_PersonalDataSchema,
} from '@gov/contracts';
import type { PersonCorrection as ProtoPersonCorrection } from '@gov/contracts';
import { assertNever } from '@gov/registry-domain';
import type { NationalId, PersonCorrection, PersonEvent } from '@gov/registry-domain';

import { messageOf, payloadOf, personalDataOf, sealedPayloadOf, unknownEventType } from './payload';
import type { PayloadCodec, StoredPayload } from './payload';
import {
  MalformedPayloadError,
  addressFromProto,
  addressToProto,
  civilStatus,
  placeOfBirthFromProto,
  placeOfBirthToProto,
  required,
  sexMarker,
} from './proto-values';

/**
 * The events of the register of natural persons as gov.registry.v1 payloads. Each one's
 * `PersonalData` is sealed under the person's key (the national identification number is the
 * subject); `PersonErased` carries none.
 */
export const personEventsCodec: PayloadCodec<PersonEvent> = {
  eventTypes: [
    PersonRegisteredSchema.typeName,
    PersonNameChangedSchema.typeName,
    PersonAddressChangedSchema.typeName,
    PersonCivilStatusChangedSchema.typeName,
    PersonDeathRecordedSchema.typeName,
    PersonRecordCorrectedSchema.typeName,
    PersonErasedSchema.typeName,
  ],

  encode(event, occurredAt, keys) {
    switch (event.type) {
      case 'PersonRegistered':
        return sealedPayloadOf(
          PersonRegisteredSchema,
          PersonRegistered_PersonalDataSchema,
          event.data.nationalId,
          create(PersonRegistered_PersonalDataSchema, {
            givenNames: event.data.givenNames,
            familyName: event.data.familyName,
            birthDate: event.data.birthDate,
            ...(event.data.placeOfBirth === null
              ? {}
              : { placeOfBirth: placeOfBirthToProto(event.data.placeOfBirth) }),
            sex: sexMarker.toProto(event.data.sex),
            nationalities: [...event.data.nationalities],
            address: addressToProto(event.data.address),
            civilStatus: civilStatus.toProto(event.data.civilStatus),
          }),
          (sealed) =>
            create(PersonRegisteredSchema, {
              nationalId: event.data.nationalId,
              sealedPersonalData: sealed,
            }),
          occurredAt,
          keys,
        );
      case 'PersonNameChanged':
        return sealedPayloadOf(
          PersonNameChangedSchema,
          PersonNameChanged_PersonalDataSchema,
          event.data.nationalId,
          create(PersonNameChanged_PersonalDataSchema, {
            givenNames: event.data.givenNames,
            familyName: event.data.familyName,
          }),
          (sealed) =>
            create(PersonNameChangedSchema, {
              nationalId: event.data.nationalId,
              sealedPersonalData: sealed,
            }),
          occurredAt,
          keys,
        );
      case 'PersonAddressChanged':
        return sealedPayloadOf(
          PersonAddressChangedSchema,
          PersonAddressChanged_PersonalDataSchema,
          event.data.nationalId,
          create(PersonAddressChanged_PersonalDataSchema, {
            address: addressToProto(event.data.address),
          }),
          (sealed) =>
            create(PersonAddressChangedSchema, {
              nationalId: event.data.nationalId,
              sealedPersonalData: sealed,
            }),
          occurredAt,
          keys,
        );
      case 'PersonCivilStatusChanged':
        return sealedPayloadOf(
          PersonCivilStatusChangedSchema,
          PersonCivilStatusChanged_PersonalDataSchema,
          event.data.nationalId,
          create(PersonCivilStatusChanged_PersonalDataSchema, {
            civilStatus: civilStatus.toProto(event.data.civilStatus),
            effectiveDate: event.data.effectiveDate,
          }),
          (sealed) =>
            create(PersonCivilStatusChangedSchema, {
              nationalId: event.data.nationalId,
              sealedPersonalData: sealed,
            }),
          occurredAt,
          keys,
        );
      case 'PersonDeathRecorded':
        return sealedPayloadOf(
          PersonDeathRecordedSchema,
          PersonDeathRecorded_PersonalDataSchema,
          event.data.nationalId,
          create(PersonDeathRecorded_PersonalDataSchema, {
            dateOfDeath: event.data.dateOfDeath,
          }),
          (sealed) =>
            create(PersonDeathRecordedSchema, {
              nationalId: event.data.nationalId,
              sealedPersonalData: sealed,
            }),
          occurredAt,
          keys,
        );
      case 'PersonRecordCorrected':
        return sealedPayloadOf(
          PersonRecordCorrectedSchema,
          PersonRecordCorrected_PersonalDataSchema,
          event.data.nationalId,
          create(PersonRecordCorrected_PersonalDataSchema, {
            correction: personCorrectionToProto(event.data.correction),
          }),
          (sealed) =>
            create(PersonRecordCorrectedSchema, {
              nationalId: event.data.nationalId,
              correctionId: event.data.correctionId,
              sealedPersonalData: sealed,
            }),
          occurredAt,
          keys,
        );
      case 'PersonErased':
        return payloadOf(
          PersonErasedSchema,
          create(PersonErasedSchema, {
            nationalId: event.data.nationalId,
            legalGround: event.data.legalGround,
          }),
          occurredAt,
        );
      default:
        return assertNever(event, 'person event');
    }
  },

  decode(event, keys) {
    const { eventType } = event;
    switch (eventType) {
      case PersonRegisteredSchema.typeName: {
        const message = messageOf(PersonRegisteredSchema, event);
        const data = personalDataOf(
          event,
          PersonRegistered_PersonalDataSchema,
          message.nationalId,
          message.personalData,
          message.sealedPersonalData,
          keys,
        );
        return {
          type: 'PersonRegistered',
          data: {
            nationalId: message.nationalId as NationalId,
            givenNames: data.givenNames,
            familyName: data.familyName,
            birthDate: data.birthDate,
            placeOfBirth: data.placeOfBirth ? placeOfBirthFromProto(data.placeOfBirth) : null,
            sex: sexMarker.fromProto(data.sex, eventType, 'sex'),
            nationalities: [...data.nationalities],
            address: addressFromProto(data.address, eventType, 'address'),
            civilStatus: civilStatus.fromProto(data.civilStatus, eventType, 'civil_status'),
          },
        };
      }
      case PersonNameChangedSchema.typeName: {
        const message = messageOf(PersonNameChangedSchema, event);
        const data = personalDataOf(
          event,
          PersonNameChanged_PersonalDataSchema,
          message.nationalId,
          message.personalData,
          message.sealedPersonalData,
          keys,
        );
        return {
          type: 'PersonNameChanged',
          data: {
            nationalId: message.nationalId as NationalId,
            givenNames: data.givenNames,
            familyName: data.familyName,
          },
        };
      }
      case PersonAddressChangedSchema.typeName: {
        const message = messageOf(PersonAddressChangedSchema, event);
        const data = personalDataOf(
          event,
          PersonAddressChanged_PersonalDataSchema,
          message.nationalId,
          message.personalData,
          message.sealedPersonalData,
          keys,
        );
        return {
          type: 'PersonAddressChanged',
          data: {
            nationalId: message.nationalId as NationalId,
            address: addressFromProto(data.address, eventType, 'address'),
          },
        };
      }
      case PersonCivilStatusChangedSchema.typeName: {
        const message = messageOf(PersonCivilStatusChangedSchema, event);
        const data = personalDataOf(
          event,
          PersonCivilStatusChanged_PersonalDataSchema,
          message.nationalId,
          message.personalData,
          message.sealedPersonalData,
          keys,
        );
        return {
          type: 'PersonCivilStatusChanged',
          data: {
            nationalId: message.nationalId as NationalId,
            civilStatus: civilStatus.fromProto(data.civilStatus, eventType, 'civil_status'),
            effectiveDate: data.effectiveDate,
          },
        };
      }
      case PersonDeathRecordedSchema.typeName: {
        const message = messageOf(PersonDeathRecordedSchema, event);
        const data = personalDataOf(
          event,
          PersonDeathRecorded_PersonalDataSchema,
          message.nationalId,
          message.personalData,
          message.sealedPersonalData,
          keys,
        );
        return {
          type: 'PersonDeathRecorded',
          data: { nationalId: message.nationalId as NationalId, dateOfDeath: data.dateOfDeath },
        };
      }
      case PersonRecordCorrectedSchema.typeName: {
        const message = messageOf(PersonRecordCorrectedSchema, event);
        const data = personalDataOf(
          event,
          PersonRecordCorrected_PersonalDataSchema,
          message.nationalId,
          message.personalData,
          message.sealedPersonalData,
          keys,
        );
        return {
          type: 'PersonRecordCorrected',
          data: {
            nationalId: message.nationalId as NationalId,
            correctionId: message.correctionId,
            correction: personCorrectionFromProto(
              required(data.correction, eventType, 'correction'),
              eventType,
            ),
          },
        };
      }
      case PersonErasedSchema.typeName: {
        const message = messageOf(PersonErasedSchema, event);
        return {
          type: 'PersonErased',
          data: {
            nationalId: message.nationalId as NationalId,
            legalGround: message.legalGround,
          },
        };
      }
      default:
        throw unknownEventType(eventType, 'person');
    }
  },
};

/**
 * The correction id of a stored `PersonRecordCorrected`, read without opening its personal data
 * (it is not sealed): for projections, which must not depend on keys.
 */
export function correctionIdOfPersonRecordCorrected(event: StoredPayload): string {
  return messageOf(PersonRecordCorrectedSchema, event).correctionId;
}

/** A correction of a person's record as its proto message (also used by the correction events). */
export function personCorrectionToProto(correction: PersonCorrection): ProtoPersonCorrection {
  switch (correction.field) {
    case 'givenNames':
      return create(PersonCorrectionSchema, {
        value: { case: 'givenNames', value: correction.value },
      });
    case 'familyName':
      return create(PersonCorrectionSchema, {
        value: { case: 'familyName', value: correction.value },
      });
    case 'placeOfBirth':
      return create(PersonCorrectionSchema, {
        value: { case: 'placeOfBirth', value: placeOfBirthToProto(correction.value) },
      });
    case 'sex':
      return create(PersonCorrectionSchema, {
        value: { case: 'sex', value: sexMarker.toProto(correction.value) },
      });
    case 'nationalities':
      return create(PersonCorrectionSchema, {
        value: {
          case: 'nationalities',
          value: create(NationalitiesSchema, { countries: [...correction.value] }),
        },
      });
    case 'address':
      return create(PersonCorrectionSchema, {
        value: { case: 'address', value: addressToProto(correction.value) },
      });
    default:
      return assertNever(correction, 'person correction');
  }
}

/** The domain's correction of a person's record from its proto message. */
export function personCorrectionFromProto(
  message: ProtoPersonCorrection,
  eventType: string,
): PersonCorrection {
  const { value } = message;
  switch (value.case) {
    case 'givenNames':
      return { field: 'givenNames', value: value.value };
    case 'familyName':
      return { field: 'familyName', value: value.value };
    case 'placeOfBirth':
      return { field: 'placeOfBirth', value: placeOfBirthFromProto(value.value) };
    case 'sex':
      return { field: 'sex', value: sexMarker.fromProto(value.value, eventType, 'correction.sex') };
    case 'nationalities':
      return { field: 'nationalities', value: [...value.value.countries] };
    case 'address':
      return { field: 'address', value: addressFromProto(value.value, eventType, 'address') };
    case undefined:
      throw new MalformedPayloadError(eventType, 'the person correction sets no field');
    default:
      return assertNever(value, 'person correction case');
  }
}
