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

import { messageOf, payloadOf, unknownEventType } from './payload';
import type { PayloadCodec } from './payload';
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

/** The events of the register of natural persons as gov.registry.v1 payloads. */
export const personEventsCodec: PayloadCodec<PersonEvent> = {
  eventTypes: [
    PersonRegisteredSchema.typeName,
    PersonNameChangedSchema.typeName,
    PersonAddressChangedSchema.typeName,
    PersonCivilStatusChangedSchema.typeName,
    PersonDeathRecordedSchema.typeName,
    PersonRecordCorrectedSchema.typeName,
  ],

  encode(event, occurredAt) {
    switch (event.type) {
      case 'PersonRegistered': {
        const { data } = event;
        return payloadOf(
          PersonRegisteredSchema,
          create(PersonRegisteredSchema, {
            nationalId: data.nationalId,
            personalData: create(PersonRegistered_PersonalDataSchema, {
              givenNames: data.givenNames,
              familyName: data.familyName,
              birthDate: data.birthDate,
              ...(data.placeOfBirth === null
                ? {}
                : { placeOfBirth: placeOfBirthToProto(data.placeOfBirth) }),
              sex: sexMarker.toProto(data.sex),
              nationalities: [...data.nationalities],
              address: addressToProto(data.address),
              civilStatus: civilStatus.toProto(data.civilStatus),
            }),
          }),
          occurredAt,
        );
      }
      case 'PersonNameChanged':
        return payloadOf(
          PersonNameChangedSchema,
          create(PersonNameChangedSchema, {
            nationalId: event.data.nationalId,
            personalData: create(PersonNameChanged_PersonalDataSchema, {
              givenNames: event.data.givenNames,
              familyName: event.data.familyName,
            }),
          }),
          occurredAt,
        );
      case 'PersonAddressChanged':
        return payloadOf(
          PersonAddressChangedSchema,
          create(PersonAddressChangedSchema, {
            nationalId: event.data.nationalId,
            personalData: create(PersonAddressChanged_PersonalDataSchema, {
              address: addressToProto(event.data.address),
            }),
          }),
          occurredAt,
        );
      case 'PersonCivilStatusChanged':
        return payloadOf(
          PersonCivilStatusChangedSchema,
          create(PersonCivilStatusChangedSchema, {
            nationalId: event.data.nationalId,
            personalData: create(PersonCivilStatusChanged_PersonalDataSchema, {
              civilStatus: civilStatus.toProto(event.data.civilStatus),
              effectiveDate: event.data.effectiveDate,
            }),
          }),
          occurredAt,
        );
      case 'PersonDeathRecorded':
        return payloadOf(
          PersonDeathRecordedSchema,
          create(PersonDeathRecordedSchema, {
            nationalId: event.data.nationalId,
            personalData: create(PersonDeathRecorded_PersonalDataSchema, {
              dateOfDeath: event.data.dateOfDeath,
            }),
          }),
          occurredAt,
        );
      case 'PersonRecordCorrected':
        return payloadOf(
          PersonRecordCorrectedSchema,
          create(PersonRecordCorrectedSchema, {
            nationalId: event.data.nationalId,
            correctionId: event.data.correctionId,
            personalData: create(PersonRecordCorrected_PersonalDataSchema, {
              correction: personCorrectionToProto(event.data.correction),
            }),
          }),
          occurredAt,
        );
      default:
        return assertNever(event, 'person event');
    }
  },

  decode(event) {
    const { eventType } = event;
    switch (eventType) {
      case PersonRegisteredSchema.typeName: {
        const message = messageOf(PersonRegisteredSchema, event);
        const data = required(message.personalData, eventType, 'personal_data');
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
        const data = required(message.personalData, eventType, 'personal_data');
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
        const data = required(message.personalData, eventType, 'personal_data');
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
        const data = required(message.personalData, eventType, 'personal_data');
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
        const data = required(message.personalData, eventType, 'personal_data');
        return {
          type: 'PersonDeathRecorded',
          data: { nationalId: message.nationalId as NationalId, dateOfDeath: data.dateOfDeath },
        };
      }
      case PersonRecordCorrectedSchema.typeName: {
        const message = messageOf(PersonRecordCorrectedSchema, event);
        const data = required(message.personalData, eventType, 'personal_data');
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
      default:
        throw unknownEventType(eventType, 'person');
    }
  },
};

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
