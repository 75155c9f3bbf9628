import type { Principal } from '@gov/platform-auth';

import {
  LUXEMBOURG,
  agency,
  anna,
  as,
  businessRegistrar,
  citizen,
  failure,
  registrar,
  registryTestbed,
} from '../../testing/registry-testbed';
import { accessEventsCodec } from '../codecs/access-events.codec';
import { NO_PERSONAL_DATA } from '../codecs/payload';
import { streamIds } from '../streams';
import type { RegisterVehicleInput } from './vehicle.service';

type Testbed = ReturnType<typeof registryTestbed>;

const vehicleRegistrar: Principal = {
  kind: 'registrar',
  subject: 'clerk-5',
  registers: ['vehicles'],
  organisationId: 'snca',
};

const police: Principal = { kind: 'agency', subject: 'svc-police', organisationId: 'police' };

/** A person and a business on record, and the input of a vehicle the person owns. */
async function owners(bed: Testbed) {
  const { nationalId } = await bed.persons.register(as(registrar), anna());
  const { businessNumber } = await bed.businesses.register(as(registrar), {
    name: 'Moselle Logistics',
    legalForm: 'SARL',
    registeredAddress: LUXEMBOURG,
    managers: [{ nationalId, role: 'manager' }],
  });
  const zoe = (overrides: Partial<RegisterVehicleInput> = {}): RegisterVehicleInput => ({
    registrationNumber: 'ab 1234',
    owner: { kind: 'person', nationalId },
    make: 'Renault',
    model: 'Zoe',
    firstRegistration: '2021-04-15',
    ...overrides,
  });
  return { nationalId, businessNumber, zoe };
}

describe('VehicleService', () => {
  it('registers under the kept number, transfers, deregisters, and answers as of an instant', async () => {
    const bed = registryTestbed();
    const { nationalId, businessNumber, zoe } = await owners(bed);

    const registered = await bed.vehicles.register(as(vehicleRegistrar), zoe());
    const before = bed.clock.now();
    bed.clock.advance(60_000);
    await bed.vehicles.transferOwnership(as(vehicleRegistrar), 'AB-1234', {
      kind: 'business',
      businessNumber,
    });
    const deregistered = await bed.vehicles.deregister(as(vehicleRegistrar), 'AB1234', {
      effectiveDate: '2026-02-20',
      ground: 'exported',
    });

    expect(registered).toEqual({ registrationNumber: 'AB1234', version: 1, changed: true });
    expect(deregistered).toEqual({ registrationNumber: 'AB1234', version: 3, changed: true });
    expect(
      (await bed.store.readStream(streamIds.vehicle('AB1234'))).map((e) => e.eventType),
    ).toEqual([
      'gov.registry.vehicles.v1.VehicleRegistered',
      'gov.registry.vehicles.v1.VehicleOwnershipTransferred',
      'gov.registry.vehicles.v1.VehicleDeregistered',
    ]);
    expect(await bed.vehicles.get(as(vehicleRegistrar), 'AB1234')).toEqual({
      registrationNumber: 'AB1234',
      status: 'deregistered',
      version: 3,
      owner: { kind: 'business', businessNumber },
      make: 'Renault',
      model: 'Zoe',
      firstRegistration: '2021-04-15',
      deregistration: { effectiveDate: '2026-02-20', ground: 'exported' },
    });
    expect(await bed.vehicles.get(as(vehicleRegistrar), 'AB1234', before)).toMatchObject({
      status: 'registered',
      version: 1,
      owner: { kind: 'person', nationalId },
    });
    const history = await bed.vehicles.history(as(vehicleRegistrar), 'AB1234');
    expect(history.entries.map((entry) => entry.changedFields)).toEqual([
      ['owner', 'make', 'model', 'firstRegistration'],
      ['owner'],
      ['deregistration'],
    ]);
  });

  it('refuses a duplicate number (409), an unknown owner (422) and a malformed number (400)', async () => {
    const bed = registryTestbed();
    const { zoe } = await owners(bed);
    await bed.vehicles.register(as(vehicleRegistrar), zoe());

    expect(await failure(bed.vehicles.register(as(vehicleRegistrar), zoe()))).toMatchObject({
      kind: 'conflict',
    });
    expect(
      await failure(
        bed.vehicles.register(
          as(vehicleRegistrar),
          zoe({
            registrationNumber: 'CD 5678',
            owner: { kind: 'business', businessNumber: 'B99' },
          }),
        ),
      ),
    ).toMatchObject({
      kind: 'unprocessable',
      extensions: { code: 'OWNER_NOT_ON_RECORD', fields: ['owner.businessNumber'] },
    });
    expect(
      await failure(
        bed.vehicles.register(as(vehicleRegistrar), zoe({ registrationNumber: '1234' })),
      ),
    ).toMatchObject({
      kind: 'validation-failed',
      reason: { errors: [{ field: 'registrationNumber' }] },
    });
    expect(await bed.store.readStream(streamIds.vehicle('CD5678'))).toEqual([]);
  });

  it('lets only registrars of the vehicles register write', async () => {
    const bed = registryTestbed();
    const { zoe } = await owners(bed);
    for (const principal of [businessRegistrar, agency, citizen('1983081246785')]) {
      expect(await failure(bed.vehicles.register(as(principal), zoe()))).toMatchObject({
        kind: 'forbidden',
      });
    }
  });

  it('answers an agency only the fields its basis allows, and its owner only while they own it', async () => {
    const bed = registryTestbed();
    const { nationalId, businessNumber, zoe } = await owners(bed);
    await bed.vehicles.register(as(vehicleRegistrar), zoe());

    const read = await bed.vehicles.get(
      as(police, { purpose: 'vehicle-identification' }),
      'AB1234',
    );
    expect(read).toEqual({
      registrationNumber: 'AB1234',
      status: 'registered',
      version: 1,
      owner: { kind: 'person', nationalId },
      make: 'Renault',
      model: 'Zoe',
      deregistration: null,
    });
    expect(
      await failure(bed.vehicles.get(as(police, { purpose: 'criminal-investigation' }), 'AB1234')),
    ).toMatchObject({ kind: 'forbidden' });
    expect(await bed.vehicles.get(as(citizen(nationalId)), 'AB1234')).toMatchObject({
      make: 'Renault',
    });
    // The police read showed the person as the owner: it is in their access log (the owner's
    // own read is not, nor the refused one).
    const accesses = await bed.store.readStream(streamIds.access(nationalId));
    expect(accesses.map((event) => accessEventsCodec.decode(event, NO_PERSONAL_DATA).data)).toEqual(
      [
        expect.objectContaining({
          organisationId: 'police',
          purpose: 'vehicle-identification',
          legalBasisId: 'police-vehicle-identification',
          accessorRole: 'agency-system',
          fieldsRead: [
            'vehicles.registration_number',
            'vehicles.status',
            'vehicles.owner',
            'vehicles.make',
            'vehicles.model',
            'vehicles.deregistration',
          ],
        }),
      ],
    );

    await bed.vehicles.transferOwnership(as(vehicleRegistrar), 'AB1234', {
      kind: 'business',
      businessNumber,
    });
    expect(await failure(bed.vehicles.get(as(citizen(nationalId)), 'AB1234'))).toMatchObject({
      kind: 'forbidden',
    });
    expect(await failure(bed.vehicles.get(as(citizen(nationalId)), 'ZZ9999'))).toMatchObject({
      kind: 'forbidden',
    });
  });

  it('shows an erased owner as erased, without the number, and refuses them as a new owner', async () => {
    const bed = registryTestbed();
    const { nationalId, zoe } = await owners(bed);
    await bed.vehicles.register(as(vehicleRegistrar), zoe());
    await bed.persons.erase(as(registrar), nationalId, { legalGround: 'GDPR Art. 17(1)(a)' });

    const view = await bed.vehicles.get(as(vehicleRegistrar), 'AB1234');
    const history = await bed.vehicles.history(as(vehicleRegistrar), 'AB1234');

    expect(view.owner).toEqual({ kind: 'person', erased: true });
    expect(JSON.stringify(history)).not.toContain(nationalId);
    expect(
      await failure(
        bed.vehicles.register(as(vehicleRegistrar), zoe({ registrationNumber: 'CD5678' })),
      ),
    ).toMatchObject({
      kind: 'unprocessable',
      extensions: { code: 'OWNER_NOT_ON_RECORD', fields: ['owner.nationalId'] },
    });
  });
});
