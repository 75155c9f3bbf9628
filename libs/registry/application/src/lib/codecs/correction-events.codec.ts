import { create } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

import {
  CorrectionAcceptedSchema,
  CorrectionAccepted_PersonalDataSchema,
  CorrectionCommunicatedSchema,
  CorrectionCommunicated_RecipientSchema,
  CorrectionRejectedSchema,
  CorrectionRejected_PersonalDataSchema,
  CorrectionRequestedSchema,
  CorrectionRequested_PersonalDataSchema,
} from '@gov/contracts';
import type {
  BusinessCorrection,
  CorrectionCommunicated_Recipient,
  PersonCorrection,
  Register as ProtoRegister,
} from '@gov/contracts';
import {
  BUSINESS_CORRECTABLE_FIELDS,
  PERSON_CORRECTABLE_FIELDS,
  assertNever,
} from '@gov/registry-domain';
import type {
  BusinessNumber,
  CorrectionEvent,
  CorrectionRecipient,
  CorrectionTarget,
  NationalId,
  PersonCorrectableField,
  RegisterName,
} from '@gov/registry-domain';

import { businessCorrectionFromProto, businessCorrectionToProto } from './business-events.codec';
import type { SubjectKeys } from '@gov/platform-data-protection';
import type { NewEvent } from '@gov/platform-event-sourcing';

import {
  NO_PERSONAL_DATA as NO_KEYS,
  messageOf,
  payloadOf,
  personalDataOf,
  sealedPayloadOf,
  unknownEventType,
} from './payload';
import type { PayloadCodec, StoredPayload } from './payload';
import { personCorrectionFromProto, personCorrectionToProto } from './person-events.codec';
import { MalformedPayloadError, register, required } from './proto-values';

/** A proposed or accepted value as the correction messages carry it (a oneof of both kinds). */
type ProtoCorrectionCase =
  { case: 'person'; value: PersonCorrection } | { case: 'business'; value: BusinessCorrection };

/**
 * The stored form of a correction event whose `PersonalData` is the requester's words or the
 * proposed, accepted or refused value: sealed under the person's key for a person's record (the
 * record's number is the subject: erasing the person erases their requests too), in clear for a
 * business's record (the register of businesses is public; its managers' requests are kept).
 */
function correctionPayloadOf<Desc extends DescMessage, Personal extends DescMessage>(
  schema: Desc,
  personalSchema: Personal,
  registerName: RegisterName,
  recordId: string,
  personal: MessageShape<Personal>,
  build: (
    personal: { personalData: MessageShape<Personal> } | { sealedPersonalData: Uint8Array },
  ) => MessageShape<Desc>,
  occurredAt: Date,
  keys: SubjectKeys,
): NewEvent {
  if (registerName === 'businesses') {
    return payloadOf(schema, build({ personalData: personal }), occurredAt);
  }
  return sealedPayloadOf(
    schema,
    personalSchema,
    recordId,
    personal,
    (sealed) => build({ sealedPersonalData: sealed }),
    occurredAt,
    keys,
  );
}

/** The `PersonalData` of a stored correction event, opened for a person's record when sealed. */
function correctionPersonalData<Personal extends DescMessage>(
  event: StoredPayload,
  personalSchema: Personal,
  message: {
    recordId: string;
    personalData?: MessageShape<Personal>;
    sealedPersonalData: Uint8Array;
  },
  keys: SubjectKeys,
): MessageShape<Personal> {
  return personalDataOf(
    event,
    personalSchema,
    message.recordId,
    message.personalData,
    message.sealedPersonalData,
    keys,
  );
}

/** The correction requests' events as gov.registry.v1 payloads. */
export const correctionEventsCodec: PayloadCodec<CorrectionEvent> = {
  eventTypes: [
    CorrectionRequestedSchema.typeName,
    CorrectionAcceptedSchema.typeName,
    CorrectionRejectedSchema.typeName,
    CorrectionCommunicatedSchema.typeName,
  ],

  encode(event, occurredAt, keys) {
    switch (event.type) {
      case 'CorrectionRequested': {
        const { data } = event;
        return correctionPayloadOf(
          CorrectionRequestedSchema,
          CorrectionRequested_PersonalDataSchema,
          data.target.register,
          data.target.recordId,
          create(CorrectionRequested_PersonalDataSchema, {
            justification: data.justification,
            proposed: correctionCase(data.target),
          }),
          (personal) =>
            create(CorrectionRequestedSchema, {
              correctionId: data.correctionId,
              register: register.toProto(data.target.register),
              recordId: data.target.recordId,
              requesterNationalId: data.requester,
              field: snakeCase(data.target.correction.field),
              ...personal,
            }),
          occurredAt,
          keys,
        );
      }
      case 'CorrectionAccepted': {
        const { data } = event;
        return correctionPayloadOf(
          CorrectionAcceptedSchema,
          CorrectionAccepted_PersonalDataSchema,
          data.target.register,
          data.target.recordId,
          create(CorrectionAccepted_PersonalDataSchema, { corrected: correctionCase(data.target) }),
          (personal) =>
            create(CorrectionAcceptedSchema, {
              correctionId: data.correctionId,
              register: register.toProto(data.target.register),
              recordId: data.target.recordId,
              requesterNationalId: data.requester,
              acceptedBy: data.acceptedBy,
              ...personal,
            }),
          occurredAt,
          keys,
        );
      }
      case 'CorrectionRejected': {
        const { data } = event;
        return correctionPayloadOf(
          CorrectionRejectedSchema,
          CorrectionRejected_PersonalDataSchema,
          data.register,
          data.recordId,
          create(CorrectionRejected_PersonalDataSchema, { reason: data.reason }),
          (personal) =>
            create(CorrectionRejectedSchema, {
              correctionId: data.correctionId,
              register: register.toProto(data.register),
              recordId: data.recordId,
              field: snakeCase(data.field),
              requesterNationalId: data.requester,
              rejectedBy: data.rejectedBy,
              ...personal,
            }),
          occurredAt,
          keys,
        );
      }
      case 'CorrectionCommunicated': {
        const { data } = event;
        return payloadOf(
          CorrectionCommunicatedSchema,
          create(CorrectionCommunicatedSchema, {
            correctionId: data.correctionId,
            register: register.toProto(data.register),
            recordId: data.recordId,
            field: snakeCase(data.field),
            recipients: data.recipients.map(recipientToProto),
            communicatedAt: timestampFromDate(data.communicatedAt),
          }),
          occurredAt,
        );
      }
      default:
        return assertNever(event, 'correction event');
    }
  },

  decode(event, keys) {
    const { eventType } = event;
    switch (eventType) {
      case CorrectionRequestedSchema.typeName: {
        const message = messageOf(CorrectionRequestedSchema, event);
        const data = correctionPersonalData(
          event,
          CorrectionRequested_PersonalDataSchema,
          message,
          keys,
        );
        return {
          type: 'CorrectionRequested',
          data: {
            correctionId: message.correctionId,
            target: targetFromProto(message.register, message.recordId, data.proposed, eventType),
            justification: data.justification,
            requester: message.requesterNationalId as NationalId,
          },
        };
      }
      case CorrectionAcceptedSchema.typeName: {
        const message = messageOf(CorrectionAcceptedSchema, event);
        const data = correctionPersonalData(
          event,
          CorrectionAccepted_PersonalDataSchema,
          message,
          keys,
        );
        return {
          type: 'CorrectionAccepted',
          data: {
            correctionId: message.correctionId,
            target: targetFromProto(message.register, message.recordId, data.corrected, eventType),
            requester: message.requesterNationalId as NationalId,
            acceptedBy: message.acceptedBy,
          },
        };
      }
      case CorrectionRejectedSchema.typeName: {
        const message = messageOf(CorrectionRejectedSchema, event);
        const data = correctionPersonalData(
          event,
          CorrectionRejected_PersonalDataSchema,
          message,
          keys,
        );
        const registerName = register.fromProto(message.register, eventType, 'register');
        return {
          type: 'CorrectionRejected',
          data: {
            correctionId: message.correctionId,
            register: registerName,
            recordId: message.recordId,
            field: domainFieldName(registerName, message.field, eventType),
            requester: message.requesterNationalId as NationalId,
            rejectedBy: message.rejectedBy,
            reason: data.reason,
          },
        };
      }
      case CorrectionCommunicatedSchema.typeName: {
        const message = messageOf(CorrectionCommunicatedSchema, event);
        const registerName = register.fromProto(message.register, eventType, 'register');
        if (registerName !== 'persons') {
          throw new MalformedPayloadError(eventType, 'only a person’s record is communicated');
        }
        return {
          type: 'CorrectionCommunicated',
          data: {
            correctionId: message.correctionId,
            register: registerName,
            recordId: message.recordId as NationalId,
            field: domainFieldName(
              registerName,
              message.field,
              eventType,
            ) as PersonCorrectableField,
            recipients: message.recipients.map((recipient) =>
              recipientFromProto(recipient, eventType),
            ),
            communicatedAt: timestampDate(
              required(message.communicatedAt, eventType, 'communicated_at'),
            ),
          },
        };
      }
      default:
        throw unknownEventType(eventType, 'correction');
    }
  },
};

function recipientToProto(recipient: CorrectionRecipient): CorrectionCommunicated_Recipient {
  return create(CorrectionCommunicated_RecipientSchema, {
    organisationId: recipient.organisationId,
    noticeId: recipient.noticeId,
    lastReceivedAt: timestampFromDate(recipient.lastReceivedAt),
    purpose: recipient.purpose,
    legalBasis: recipient.legalBasis,
    legalBasisId: recipient.legalBasisId ?? '',
    consentId: recipient.consentId ?? '',
    procedureId: recipient.procedureId ?? '',
    ...(recipient.sealedUntil === undefined
      ? {}
      : { sealedUntil: timestampFromDate(recipient.sealedUntil) }),
  });
}

function recipientFromProto(
  recipient: CorrectionCommunicated_Recipient,
  eventType: string,
): CorrectionRecipient {
  if (recipient.organisationId === '' || recipient.noticeId === '') {
    throw new MalformedPayloadError(eventType, 'a recipient without organisation or notice id');
  }
  return {
    organisationId: recipient.organisationId,
    noticeId: recipient.noticeId,
    lastReceivedAt: timestampDate(
      required(recipient.lastReceivedAt, eventType, 'recipients.last_received_at'),
    ),
    purpose: recipient.purpose,
    legalBasis: recipient.legalBasis,
    ...(recipient.legalBasisId === '' ? {} : { legalBasisId: recipient.legalBasisId }),
    ...(recipient.consentId === '' ? {} : { consentId: recipient.consentId }),
    ...(recipient.procedureId === '' ? {} : { procedureId: recipient.procedureId }),
    ...(recipient.sealedUntil === undefined
      ? {}
      : { sealedUntil: timestampDate(recipient.sealedUntil) }),
  };
}

function correctionCase(target: CorrectionTarget): ProtoCorrectionCase {
  switch (target.register) {
    case 'persons':
      return { case: 'person', value: personCorrectionToProto(target.correction) };
    case 'businesses':
      return { case: 'business', value: businessCorrectionToProto(target.correction) };
    default:
      return assertNever(target, 'correction target');
  }
}

function targetFromProto(
  protoRegister: ProtoRegister,
  recordId: string,
  value: ProtoCorrectionCase | { case: undefined; value?: undefined },
  eventType: string,
): CorrectionTarget {
  const registerName = register.fromProto(protoRegister, eventType, 'register');
  if (registerName === 'persons' && value.case === 'person') {
    return {
      register: 'persons',
      recordId: recordId as NationalId,
      correction: personCorrectionFromProto(value.value, eventType),
    };
  }
  if (registerName === 'businesses' && value.case === 'business') {
    return {
      register: 'businesses',
      recordId: recordId as BusinessNumber,
      correction: businessCorrectionFromProto(value.value, eventType),
    };
  }
  throw new MalformedPayloadError(
    eventType,
    `the correction (${value.case ?? 'none'}) does not match the register (${registerName})`,
  );
}

// The proto names a rejected field by its case in PersonCorrection / BusinessCorrection
// (snake_case); the domain by its correctable field (camelCase).
const snakeCase = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function correctableFields(registerName: RegisterName): readonly string[] {
  switch (registerName) {
    case 'persons':
      return PERSON_CORRECTABLE_FIELDS;
    case 'businesses':
      return BUSINESS_CORRECTABLE_FIELDS;
    case 'vehicles':
      // No correction requests on vehicles (see the domain's README): a payload naming a
      // vehicle's field is malformed.
      return [];
    default:
      return assertNever(registerName, 'register');
  }
}

function domainFieldName(registerName: RegisterName, field: string, eventType: string): string {
  const found = correctableFields(registerName).find((name) => snakeCase(name) === field);
  if (found === undefined) {
    throw new MalformedPayloadError(eventType, `field "${field}" is not correctable`);
  }
  return found;
}

/**
 * What a request or decision event says that is not personal data: what a projection may read
 * (it never opens sealed data, so that every site derives the same read model whatever keys it
 * holds). `reason` is a rejection's reason where it is in clear (a business's record, or an
 * event from before sealing), else `null`: the request's stream gives it on read.
 */
export type CorrectionFacts =
  | {
      readonly type: 'CorrectionRequested';
      readonly correctionId: string;
      readonly register: RegisterName;
      readonly recordId: string;
      /** The correctable field, as the domain names it. */
      readonly field: string;
      readonly requester: NationalId;
    }
  | {
      readonly type: 'CorrectionAccepted';
      readonly correctionId: string;
      readonly acceptedBy: string;
    }
  | {
      readonly type: 'CorrectionRejected';
      readonly correctionId: string;
      readonly rejectedBy: string;
      readonly reason: string | null;
    };

/**
 * The {@link CorrectionFacts} of a stored `CorrectionRequested`, `CorrectionAccepted` or
 * `CorrectionRejected`, without opening its personal data.
 *
 * @throws {@link MalformedPayloadError} for another type or bytes that do not decode.
 */
export function correctionFactsOf(event: StoredPayload): CorrectionFacts {
  const { eventType } = event;
  switch (eventType) {
    case CorrectionRequestedSchema.typeName: {
      const message = messageOf(CorrectionRequestedSchema, event);
      const registerName = register.fromProto(message.register, eventType, 'register');
      // Before sealing the field was only the case of the clear proposal: the codec reads it.
      const field =
        message.field === ''
          ? correctionFieldOf(correctionEventsCodec.decode(event, NO_KEYS))
          : domainFieldName(registerName, message.field, eventType);
      return {
        type: 'CorrectionRequested',
        correctionId: message.correctionId,
        register: registerName,
        recordId: message.recordId,
        field,
        requester: message.requesterNationalId as NationalId,
      };
    }
    case CorrectionAcceptedSchema.typeName: {
      const message = messageOf(CorrectionAcceptedSchema, event);
      return {
        type: 'CorrectionAccepted',
        correctionId: message.correctionId,
        acceptedBy: message.acceptedBy,
      };
    }
    case CorrectionRejectedSchema.typeName: {
      const message = messageOf(CorrectionRejectedSchema, event);
      return {
        type: 'CorrectionRejected',
        correctionId: message.correctionId,
        rejectedBy: message.rejectedBy,
        reason: message.personalData?.reason ?? null,
      };
    }
    default:
      throw unknownEventType(eventType, 'correction request or decision');
  }
}

function correctionFieldOf(event: CorrectionEvent): string {
  if (event.type !== 'CorrectionRequested') throw new TypeError(`not a request: ${event.type}`);
  return event.data.target.correction.field;
}
