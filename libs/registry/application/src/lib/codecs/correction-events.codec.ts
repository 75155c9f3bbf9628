import { create } from '@bufbuild/protobuf';
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
import { messageOf, payloadOf, unknownEventType } from './payload';
import type { PayloadCodec } from './payload';
import { personCorrectionFromProto, personCorrectionToProto } from './person-events.codec';
import { MalformedPayloadError, register, required } from './proto-values';

/** A proposed or accepted value as the correction messages carry it (a oneof of both kinds). */
type ProtoCorrectionCase =
  { case: 'person'; value: PersonCorrection } | { case: 'business'; value: BusinessCorrection };

/** The correction requests' events as gov.registry.v1 payloads. */
export const correctionEventsCodec: PayloadCodec<CorrectionEvent> = {
  eventTypes: [
    CorrectionRequestedSchema.typeName,
    CorrectionAcceptedSchema.typeName,
    CorrectionRejectedSchema.typeName,
    CorrectionCommunicatedSchema.typeName,
  ],

  encode(event, occurredAt) {
    switch (event.type) {
      case 'CorrectionRequested': {
        const { data } = event;
        return payloadOf(
          CorrectionRequestedSchema,
          create(CorrectionRequestedSchema, {
            correctionId: data.correctionId,
            register: register.toProto(data.target.register),
            recordId: data.target.recordId,
            requesterNationalId: data.requester,
            personalData: create(CorrectionRequested_PersonalDataSchema, {
              justification: data.justification,
              proposed: correctionCase(data.target),
            }),
          }),
          occurredAt,
        );
      }
      case 'CorrectionAccepted': {
        const { data } = event;
        return payloadOf(
          CorrectionAcceptedSchema,
          create(CorrectionAcceptedSchema, {
            correctionId: data.correctionId,
            register: register.toProto(data.target.register),
            recordId: data.target.recordId,
            requesterNationalId: data.requester,
            acceptedBy: data.acceptedBy,
            personalData: create(CorrectionAccepted_PersonalDataSchema, {
              corrected: correctionCase(data.target),
            }),
          }),
          occurredAt,
        );
      }
      case 'CorrectionRejected': {
        const { data } = event;
        return payloadOf(
          CorrectionRejectedSchema,
          create(CorrectionRejectedSchema, {
            correctionId: data.correctionId,
            register: register.toProto(data.register),
            recordId: data.recordId,
            field: snakeCase(data.field),
            requesterNationalId: data.requester,
            rejectedBy: data.rejectedBy,
            personalData: create(CorrectionRejected_PersonalDataSchema, { reason: data.reason }),
          }),
          occurredAt,
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

  decode(event) {
    const { eventType } = event;
    switch (eventType) {
      case CorrectionRequestedSchema.typeName: {
        const message = messageOf(CorrectionRequestedSchema, event);
        const data = required(message.personalData, eventType, 'personal_data');
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
        const data = required(message.personalData, eventType, 'personal_data');
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
        const data = required(message.personalData, eventType, 'personal_data');
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
