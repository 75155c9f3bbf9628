import { create } from '@bufbuild/protobuf';

import {
  BusinessAddressChangedSchema,
  BusinessCorrectionSchema,
  BusinessManagersChangedSchema,
  BusinessRecordCorrectedSchema,
  BusinessRegisteredSchema,
  BusinessStruckOffSchema,
} from '@gov/contracts';
import type { BusinessCorrection as ProtoBusinessCorrection } from '@gov/contracts';
import { assertNever } from '@gov/registry-domain';
import type { BusinessCorrection, BusinessEvent, BusinessNumber } from '@gov/registry-domain';

import { messageOf, payloadOf, unknownEventType } from './payload';
import type { PayloadCodec } from './payload';
import {
  MalformedPayloadError,
  addressFromProto,
  addressToProto,
  legalForm,
  managersFromProto,
  managersToProto,
  required,
  strikeOffGround,
} from './proto-values';

/** The events of the register of businesses as gov.registry.v1 payloads. */
export const businessEventsCodec: PayloadCodec<BusinessEvent> = {
  eventTypes: [
    BusinessRegisteredSchema.typeName,
    BusinessAddressChangedSchema.typeName,
    BusinessManagersChangedSchema.typeName,
    BusinessStruckOffSchema.typeName,
    BusinessRecordCorrectedSchema.typeName,
  ],

  encode(event, occurredAt) {
    switch (event.type) {
      case 'BusinessRegistered':
        return payloadOf(
          BusinessRegisteredSchema,
          create(BusinessRegisteredSchema, {
            businessNumber: event.data.businessNumber,
            name: event.data.name,
            legalForm: legalForm.toProto(event.data.legalForm),
            registeredAddress: addressToProto(event.data.registeredAddress),
            managers: managersToProto(event.data.managers),
          }),
          occurredAt,
        );
      case 'BusinessAddressChanged':
        return payloadOf(
          BusinessAddressChangedSchema,
          create(BusinessAddressChangedSchema, {
            businessNumber: event.data.businessNumber,
            registeredAddress: addressToProto(event.data.registeredAddress),
          }),
          occurredAt,
        );
      case 'BusinessManagersChanged':
        return payloadOf(
          BusinessManagersChangedSchema,
          create(BusinessManagersChangedSchema, {
            businessNumber: event.data.businessNumber,
            managers: managersToProto(event.data.managers),
          }),
          occurredAt,
        );
      case 'BusinessStruckOff':
        return payloadOf(
          BusinessStruckOffSchema,
          create(BusinessStruckOffSchema, {
            businessNumber: event.data.businessNumber,
            effectiveDate: event.data.effectiveDate,
            ground: strikeOffGround.toProto(event.data.ground),
          }),
          occurredAt,
        );
      case 'BusinessRecordCorrected':
        return payloadOf(
          BusinessRecordCorrectedSchema,
          create(BusinessRecordCorrectedSchema, {
            businessNumber: event.data.businessNumber,
            correctionId: event.data.correctionId,
            correction: businessCorrectionToProto(event.data.correction),
          }),
          occurredAt,
        );
      default:
        return assertNever(event, 'business event');
    }
  },

  decode(event) {
    const { eventType } = event;
    switch (eventType) {
      case BusinessRegisteredSchema.typeName: {
        const message = messageOf(BusinessRegisteredSchema, event);
        return {
          type: 'BusinessRegistered',
          data: {
            businessNumber: message.businessNumber as BusinessNumber,
            name: message.name,
            legalForm: legalForm.fromProto(message.legalForm, eventType, 'legal_form'),
            registeredAddress: addressFromProto(
              message.registeredAddress,
              eventType,
              'registered_address',
            ),
            managers: managersFromProto(message.managers, eventType),
          },
        };
      }
      case BusinessAddressChangedSchema.typeName: {
        const message = messageOf(BusinessAddressChangedSchema, event);
        return {
          type: 'BusinessAddressChanged',
          data: {
            businessNumber: message.businessNumber as BusinessNumber,
            registeredAddress: addressFromProto(
              message.registeredAddress,
              eventType,
              'registered_address',
            ),
          },
        };
      }
      case BusinessManagersChangedSchema.typeName: {
        const message = messageOf(BusinessManagersChangedSchema, event);
        return {
          type: 'BusinessManagersChanged',
          data: {
            businessNumber: message.businessNumber as BusinessNumber,
            managers: managersFromProto(message.managers, eventType),
          },
        };
      }
      case BusinessStruckOffSchema.typeName: {
        const message = messageOf(BusinessStruckOffSchema, event);
        return {
          type: 'BusinessStruckOff',
          data: {
            businessNumber: message.businessNumber as BusinessNumber,
            effectiveDate: message.effectiveDate,
            ground: strikeOffGround.fromProto(message.ground, eventType, 'ground'),
          },
        };
      }
      case BusinessRecordCorrectedSchema.typeName: {
        const message = messageOf(BusinessRecordCorrectedSchema, event);
        return {
          type: 'BusinessRecordCorrected',
          data: {
            businessNumber: message.businessNumber as BusinessNumber,
            correctionId: message.correctionId,
            correction: businessCorrectionFromProto(
              required(message.correction, eventType, 'correction'),
              eventType,
            ),
          },
        };
      }
      default:
        throw unknownEventType(eventType, 'business');
    }
  },
};

/** A correction of a business's record as its proto message (also used by the correction events). */
export function businessCorrectionToProto(correction: BusinessCorrection): ProtoBusinessCorrection {
  switch (correction.field) {
    case 'name':
      return create(BusinessCorrectionSchema, { value: { case: 'name', value: correction.value } });
    case 'legalForm':
      return create(BusinessCorrectionSchema, {
        value: { case: 'legalForm', value: legalForm.toProto(correction.value) },
      });
    case 'registeredAddress':
      return create(BusinessCorrectionSchema, {
        value: { case: 'registeredAddress', value: addressToProto(correction.value) },
      });
    default:
      return assertNever(correction, 'business correction');
  }
}

/** The domain's correction of a business's record from its proto message. */
export function businessCorrectionFromProto(
  message: ProtoBusinessCorrection,
  eventType: string,
): BusinessCorrection {
  const { value } = message;
  switch (value.case) {
    case 'name':
      return { field: 'name', value: value.value };
    case 'legalForm':
      return {
        field: 'legalForm',
        value: legalForm.fromProto(value.value, eventType, 'correction.legal_form'),
      };
    case 'registeredAddress':
      return {
        field: 'registeredAddress',
        value: addressFromProto(value.value, eventType, 'correction.registered_address'),
      };
    case undefined:
      throw new MalformedPayloadError(eventType, 'the business correction sets no field');
    default:
      return assertNever(value, 'business correction case');
  }
}
