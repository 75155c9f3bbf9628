import { create, toBinary } from '@bufbuild/protobuf';

import { VehicleRegisteredSchema } from '@gov/contracts';
import { composeNationalId } from '@gov/registry-domain';
import type { BusinessNumber, RegistrationNumber, VehicleEvent } from '@gov/registry-domain';

import { NO_PERSONAL_DATA, PAYLOAD_SCHEMA_VERSION } from '../codecs/payload';
import { MalformedPayloadError } from '../codecs/proto-values';
import { vehicleEventsCodec } from './vehicle-events.codec';

const AT = new Date('2026-03-01T10:00:00.000Z');
const AB = 'AB1234' as RegistrationNumber;

const events: readonly VehicleEvent[] = [
  {
    type: 'VehicleRegistered',
    data: {
      registrationNumber: AB,
      owner: { kind: 'person', nationalId: composeNationalId('1983-08-12', 467) },
      make: 'Renault',
      model: 'Zoe',
      firstRegistration: '2021-04-15',
    },
  },
  {
    type: 'VehicleOwnershipTransferred',
    data: {
      registrationNumber: AB,
      owner: { kind: 'business', businessNumber: 'B12' as BusinessNumber },
    },
  },
  ...(['scrapped', 'exported', 'stolen', 'withdrawn'] as const).map((ground): VehicleEvent => ({
    type: 'VehicleDeregistered',
    data: { registrationNumber: AB, effectiveDate: '2026-02-20', ground },
  })),
];

describe('vehicle events codec', () => {
  it.each(events.map((event, i) => [`${event.type} #${i}`, event] as const))(
    'round-trips %s through its gov.registry.vehicles.v1 payload, in clear',
    (_, event) => {
      const stored = vehicleEventsCodec.encode(event, AT, NO_PERSONAL_DATA);
      expect(stored.eventType).toBe(`gov.registry.vehicles.v1.${event.type}`);
      expect(stored.payloadSchemaVersion).toBe(PAYLOAD_SCHEMA_VERSION);
      expect(stored.dataSubjectKeyId).toBeUndefined();
      expect(vehicleEventsCodec.eventTypes).toContain(stored.eventType);
      expect(
        vehicleEventsCodec.decode({ ...stored, dataSubjectKeyId: null }, NO_PERSONAL_DATA),
      ).toEqual(event);
    },
  );

  it('refuses a registration without an owner, and an event type of another register', () => {
    const payload = toBinary(
      VehicleRegisteredSchema,
      create(VehicleRegisteredSchema, { registrationNumber: 'AB1234', make: 'Renault' }),
    );
    const decode = (eventType: string) => () =>
      vehicleEventsCodec.decode({ eventType, payload, dataSubjectKeyId: null }, NO_PERSONAL_DATA);
    expect(decode(VehicleRegisteredSchema.typeName)).toThrow(/owner is required/);
    expect(decode('gov.registry.v1.BusinessRegistered')).toThrow(MalformedPayloadError);
  });
});
