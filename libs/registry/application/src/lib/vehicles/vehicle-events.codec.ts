import { create } from '@bufbuild/protobuf';

import {
  DeregistrationGround as ProtoDeregistrationGround,
  VehicleDeregisteredSchema,
  VehicleOwnerSchema,
  VehicleOwnershipTransferredSchema,
  VehicleRegisteredSchema,
} from '@gov/contracts';
import type { VehicleOwner as ProtoVehicleOwner } from '@gov/contracts';
import { assertNever } from '@gov/registry-domain';
import type {
  BusinessNumber,
  DeregistrationGround,
  NationalId,
  RegistrationNumber,
  VehicleEvent,
  VehicleOwner,
} from '@gov/registry-domain';

import { messageOf, payloadOf, unknownEventType } from '../codecs/payload';
import type { PayloadCodec } from '../codecs/payload';
import { MalformedPayloadError, enumMapping } from '../codecs/proto-values';

/** Deregistration grounds, both ways (see `enumMapping`). */
export const deregistrationGround = enumMapping<DeregistrationGround, ProtoDeregistrationGround>({
  scrapped: ProtoDeregistrationGround.SCRAPPED,
  exported: ProtoDeregistrationGround.EXPORTED,
  stolen: ProtoDeregistrationGround.STOLEN,
  withdrawn: ProtoDeregistrationGround.WITHDRAWN,
});

/** A vehicle's owner as its gov.registry.vehicles.v1 message. */
export function vehicleOwnerToProto(owner: VehicleOwner): ProtoVehicleOwner {
  switch (owner.kind) {
    case 'person':
      return create(VehicleOwnerSchema, {
        kind: { case: 'nationalId', value: owner.nationalId },
      });
    case 'business':
      return create(VehicleOwnerSchema, {
        kind: { case: 'businessNumber', value: owner.businessNumber },
      });
    default:
      return assertNever(owner, 'vehicle owner');
  }
}

function vehicleOwnerFromProto(
  owner: ProtoVehicleOwner | undefined,
  eventType: string,
): VehicleOwner {
  const kind = owner?.kind;
  switch (kind?.case) {
    case 'nationalId':
      return { kind: 'person', nationalId: kind.value as NationalId };
    case 'businessNumber':
      return { kind: 'business', businessNumber: kind.value as BusinessNumber };
    case undefined:
      throw new MalformedPayloadError(eventType, 'owner is required but missing or empty');
    default:
      return assertNever(kind, 'vehicle owner case');
  }
}

/**
 * The events of the register of vehicles as gov.registry.vehicles.v1 payloads. Nothing is
 * sealed: the owner is a number (see the package's comment in vehicles.proto).
 */
export const vehicleEventsCodec: PayloadCodec<VehicleEvent> = {
  eventTypes: [
    VehicleRegisteredSchema.typeName,
    VehicleOwnershipTransferredSchema.typeName,
    VehicleDeregisteredSchema.typeName,
  ],

  encode(event, occurredAt) {
    switch (event.type) {
      case 'VehicleRegistered':
        return payloadOf(
          VehicleRegisteredSchema,
          create(VehicleRegisteredSchema, {
            registrationNumber: event.data.registrationNumber,
            owner: vehicleOwnerToProto(event.data.owner),
            make: event.data.make,
            model: event.data.model,
            firstRegistration: event.data.firstRegistration,
          }),
          occurredAt,
        );
      case 'VehicleOwnershipTransferred':
        return payloadOf(
          VehicleOwnershipTransferredSchema,
          create(VehicleOwnershipTransferredSchema, {
            registrationNumber: event.data.registrationNumber,
            owner: vehicleOwnerToProto(event.data.owner),
          }),
          occurredAt,
        );
      case 'VehicleDeregistered':
        return payloadOf(
          VehicleDeregisteredSchema,
          create(VehicleDeregisteredSchema, {
            registrationNumber: event.data.registrationNumber,
            effectiveDate: event.data.effectiveDate,
            ground: deregistrationGround.toProto(event.data.ground),
          }),
          occurredAt,
        );
      default:
        return assertNever(event, 'vehicle event');
    }
  },

  decode(event) {
    const { eventType } = event;
    switch (eventType) {
      case VehicleRegisteredSchema.typeName: {
        const message = messageOf(VehicleRegisteredSchema, event);
        return {
          type: 'VehicleRegistered',
          data: {
            registrationNumber: message.registrationNumber as RegistrationNumber,
            owner: vehicleOwnerFromProto(message.owner, eventType),
            make: message.make,
            model: message.model,
            firstRegistration: message.firstRegistration,
          },
        };
      }
      case VehicleOwnershipTransferredSchema.typeName: {
        const message = messageOf(VehicleOwnershipTransferredSchema, event);
        return {
          type: 'VehicleOwnershipTransferred',
          data: {
            registrationNumber: message.registrationNumber as RegistrationNumber,
            owner: vehicleOwnerFromProto(message.owner, eventType),
          },
        };
      }
      case VehicleDeregisteredSchema.typeName: {
        const message = messageOf(VehicleDeregisteredSchema, event);
        return {
          type: 'VehicleDeregistered',
          data: {
            registrationNumber: message.registrationNumber as RegistrationNumber,
            effectiveDate: message.effectiveDate,
            ground: deregistrationGround.fromProto(message.ground, eventType, 'ground'),
          },
        };
      }
      default:
        throw unknownEventType(eventType, 'vehicle');
    }
  },
};
