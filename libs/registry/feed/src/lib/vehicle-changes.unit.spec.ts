import { toJson } from '@bufbuild/protobuf';

import { RecordChangeSchema } from '@gov/contracts';
import { InMemoryEventStore } from '@gov/platform-event-sourcing';
import { NO_PERSONAL_DATA, vehicleEventsCodec } from '@gov/registry-application';
import type { BusinessNumber, RegistrationNumber, VehicleEvent } from '@gov/registry-domain';

import { at, feedTestKeys, newNationalId } from '../testing/feed-fixtures';
import { RecordStates } from './record-states';

const AB = 'AB1234' as RegistrationNumber;

async function vehicleLog(events: readonly VehicleEvent[]) {
  const store = new InMemoryEventStore({ producer: 'registry' });
  for (const [i, event] of events.entries()) {
    await store.append(
      `vehicle-${AB}`,
      'any',
      [vehicleEventsCodec.encode(event, at(i), NO_PERSONAL_DATA)],
      { correlationId: `vehicle-feed-test-${i}` },
    );
  }
  return { store, log: await store.readAll(1n, 100) };
}

describe('a vehicle’s record on the change feed', () => {
  const owner = newNationalId('1983-08-12');
  const life: VehicleEvent[] = [
    {
      type: 'VehicleRegistered',
      data: {
        registrationNumber: AB,
        owner: { kind: 'person', nationalId: owner },
        make: 'Renault',
        model: 'Zoe',
        firstRegistration: '2021-04-15',
      },
    },
    {
      type: 'VehicleOwnershipTransferred',
      data: {
        registrationNumber: AB,
        owner: { kind: 'business', businessNumber: 'B7' as BusinessNumber },
      },
    },
    {
      type: 'VehicleDeregistered',
      data: { registrationNumber: AB, effectiveDate: '2026-02-20', ground: 'exported' },
    },
  ];

  it('publishes the complete record after each change, keyed by the registration number', async () => {
    const { store, log } = await vehicleLog(life);

    const { changes, skipped } = await new RecordStates(store, feedTestKeys).changesOf(log);

    expect(skipped).toEqual([]);
    expect(
      changes.map((sourced) =>
        'change' in sourced ? toJson(RecordChangeSchema, sourced.change) : null,
      ),
    ).toEqual([
      {
        recordId: 'AB1234',
        register: 'REGISTER_VEHICLES',
        recordVersion: '1',
        kind: 'CHANGE_KIND_REGISTERED',
        changedFields: [
          'registration_number',
          'status',
          'owner',
          'make',
          'model',
          'first_registration',
          'deregistration',
        ],
        occurredAt: at(0).toISOString().replace('.000Z', 'Z'),
        vehicle: {
          registrationNumber: 'AB1234',
          status: 'VEHICLE_STATUS_REGISTERED',
          owner: { nationalId: owner },
          make: 'Renault',
          model: 'Zoe',
          firstRegistration: '2021-04-15',
        },
      },
      {
        recordId: 'AB1234',
        register: 'REGISTER_VEHICLES',
        recordVersion: '2',
        kind: 'CHANGE_KIND_OWNERSHIP_TRANSFERRED',
        changedFields: ['owner'],
        occurredAt: at(1).toISOString().replace('.000Z', 'Z'),
        vehicle: {
          registrationNumber: 'AB1234',
          status: 'VEHICLE_STATUS_REGISTERED',
          owner: { businessNumber: 'B7' },
          make: 'Renault',
          model: 'Zoe',
          firstRegistration: '2021-04-15',
        },
      },
      {
        recordId: 'AB1234',
        register: 'REGISTER_VEHICLES',
        recordVersion: '3',
        kind: 'CHANGE_KIND_DEREGISTERED',
        changedFields: ['status', 'deregistration'],
        occurredAt: at(2).toISOString().replace('.000Z', 'Z'),
        vehicle: {
          registrationNumber: 'AB1234',
          status: 'VEHICLE_STATUS_DEREGISTERED',
          owner: { businessNumber: 'B7' },
          make: 'Renault',
          model: 'Zoe',
          firstRegistration: '2021-04-15',
          deregistration: { effectiveDate: '2026-02-20', ground: 'DEREGISTRATION_GROUND_EXPORTED' },
        },
      },
    ]);
  });

  it('folds a later batch from the stream read back, as for the other registers', async () => {
    const { store, log } = await vehicleLog(life);

    const late = await new RecordStates(store, feedTestKeys).changesOf(log.slice(2));

    expect(late.changes).toHaveLength(1);
    const [only] = late.changes;
    expect(
      only !== undefined && 'change' in only ? only.change.record.value : undefined,
    ).toMatchObject({
      owner: { kind: { case: 'businessNumber', value: 'B7' } },
    });
  });
});
