import type { Principal } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import { composeNationalId } from '@gov/registry-domain';

import {
  ESCH,
  LUXEMBOURG,
  agency,
  as,
  citizen,
  failure,
  registrar,
  registryTestbed,
} from '../../testing/registry-testbed';
import type { RegisterBusinessInput } from './business.service';
import { projectBusinessManagersEvent } from './business-managers.projector';

const ANNA = composeNationalId('1983-08-12', 467);
const BEN = composeNationalId('1990-01-31', 12);

const moselle = (overrides: Partial<RegisterBusinessInput> = {}): RegisterBusinessInput => ({
  name: 'Moselle Logistics',
  legalForm: 'SARL',
  registeredAddress: LUXEMBOURG,
  managers: [{ nationalId: ANNA, role: 'manager' }],
  ...overrides,
});

async function kind(promise: Promise<unknown>): Promise<string> {
  const error = await failure(promise);
  if (!(error instanceof ApplicationError)) throw error;
  return error.kind;
}

describe('BusinessService', () => {
  it('assigns B1, B2, … and refuses invalid input before taking a number', async () => {
    const bed = registryTestbed();

    const invalid = await failure(
      bed.businesses.register(
        as(registrar),
        moselle({ registeredAddress: { ...ESCH, country: 'FR', postcode: '57000' }, managers: [] }),
      ),
    );
    const first = await bed.businesses.register(as(registrar), moselle());
    const second = await bed.businesses.register(as(registrar), moselle({ name: 'Sûre Bakery' }));

    expect(invalid).toMatchObject({
      kind: 'validation-failed',
      reason: {
        errors: [
          { field: 'registeredAddress.country', message: expect.any(String) as unknown },
          { field: 'managers', message: expect.any(String) as unknown },
        ],
      },
    });
    expect([first.businessNumber, second.businessNumber]).toEqual(['B1', 'B2']);
  });

  it('changes managers and address, strikes off, and then refuses changes (409)', async () => {
    const bed = registryTestbed();
    const { businessNumber } = await bed.businesses.register(as(registrar), moselle());

    await bed.businesses.changeManagers(as(registrar), businessNumber, [
      { nationalId: BEN, role: 'director' },
      { nationalId: ANNA, role: 'managing-director' },
    ]);
    await bed.businesses.changeAddress(as(registrar), businessNumber, ESCH);
    const struck = await bed.businesses.strikeOff(as(registrar), businessNumber, {
      effectiveDate: '2026-02-27',
      ground: 'merger',
    });

    expect(struck).toEqual({ businessNumber, version: 4, changed: true });
    expect(await bed.businesses.get(as(registrar), businessNumber)).toMatchObject({
      status: 'struck-off',
      registeredAddress: ESCH,
      managers: [
        { nationalId: ANNA, role: 'managing-director' },
        { nationalId: BEN, role: 'director' },
      ],
      strikeOff: { effectiveDate: '2026-02-27', ground: 'merger' },
    });
    expect(
      await kind(bed.businesses.changeAddress(as(registrar), businessNumber, LUXEMBOURG)),
    ).toBe('conflict');
    const history = await bed.businesses.history(as(registrar), businessNumber);
    expect(history.entries.map((e) => e.changedFields)).toEqual([
      ['name', 'legalForm', 'registeredAddress', 'managers'],
      ['managers'],
      ['registeredAddress'],
      ['strikeOff'],
    ]);
  });

  it('lets registrars of businesses, agencies on a legal basis and current managers read', async () => {
    const bed = registryTestbed();
    const { businessNumber } = await bed.businesses.register(as(registrar), moselle());
    const tax: Principal = { kind: 'agency', subject: 'svc-acd', organisationId: 'acd' };

    const read = await bed.businesses.get(
      as(tax, { purpose: 'business-tax-assessment' }),
      businessNumber,
    );
    expect(read).toMatchObject({ businessNumber, name: moselle().name });
    // ccss has no basis on business records; acd's income-tax basis is about persons.
    expect(await kind(bed.businesses.get(as(agency, { purpose: 'vat' }), businessNumber))).toBe(
      'forbidden',
    );
    expect(
      await kind(
        bed.businesses.get(
          as(tax, { purpose: 'income-tax-assessment', legalBasis: 'acd-income-tax' }),
          businessNumber,
        ),
      ),
    ).toBe('forbidden');
    expect(await kind(bed.businesses.get(as(agency), businessNumber))).toBe('validation-failed');
    expect(await bed.businesses.get(as(citizen(ANNA)), businessNumber)).toMatchObject({
      businessNumber,
      managers: [{ nationalId: ANNA, role: 'manager' }],
    });
    expect((await bed.businesses.history(as(citizen(ANNA)), businessNumber)).version).toBe(1);
    // Someone who does not manage it, and an unknown number: the same 403, no probing.
    expect(await kind(bed.businesses.get(as(citizen(BEN)), businessNumber))).toBe('forbidden');
    expect(await kind(bed.businesses.history(as(citizen(BEN)), businessNumber))).toBe('forbidden');
    expect(await kind(bed.businesses.get(as(citizen(ANNA)), 'B999'))).toBe('forbidden');
    expect(await kind(bed.businesses.get(as(registrar), 'B999'))).toBe('not-found');
  });

  it('lets a manager read as of before they were appointed, and a former manager not at all', async () => {
    const bed = registryTestbed();
    const { businessNumber } = await bed.businesses.register(as(registrar), moselle());
    const beforeBen = bed.clock.advance(1000);
    bed.clock.advance(1000);
    await bed.businesses.changeManagers(as(registrar), businessNumber, [
      { nationalId: BEN, role: 'director' },
    ]);

    expect(await bed.businesses.get(as(citizen(BEN)), businessNumber, beforeBen)).toMatchObject({
      version: 1,
      managers: [{ nationalId: ANNA, role: 'manager' }],
    });
    expect(await kind(bed.businesses.get(as(citizen(ANNA)), businessNumber))).toBe('forbidden');
  });

  it('lists the businesses a person manages now, from the read model and each record', async () => {
    const bed = registryTestbed();
    const first = await bed.businesses.register(as(registrar), moselle());
    const second = await bed.businesses.register(
      as(registrar),
      moselle({
        name: 'Sûre Bakery',
        managers: [
          { nationalId: BEN, role: 'director' },
          { nationalId: ANNA, role: 'daily-manager' },
        ],
      }),
    );
    await bed.businesses.register(
      as(registrar),
      moselle({ name: 'Ben Alone', managers: [{ nationalId: BEN, role: 'manager' }] }),
    );
    await bed.managersProjector.runOnce();

    expect(await bed.businesses.managedBy(as(citizen(ANNA)), ANNA)).toEqual({
      nationalId: ANNA,
      businesses: [
        {
          businessNumber: first.businessNumber,
          name: 'Moselle Logistics',
          legalForm: 'SARL',
          status: 'active',
          role: 'manager',
        },
        {
          businessNumber: second.businessNumber,
          name: 'Sûre Bakery',
          legalForm: 'SARL',
          status: 'active',
          role: 'daily-manager',
        },
      ],
    });

    // Anna leaves the first; until the projection catches up, the record has the last word.
    await bed.businesses.changeManagers(as(registrar), first.businessNumber, [
      { nationalId: BEN, role: 'manager' },
    ]);
    await bed.businesses.strikeOff(as(registrar), second.businessNumber, {
      effectiveDate: '2026-02-27',
      ground: 'dissolution',
    });
    const listed = async (nationalId: string) =>
      (await bed.businesses.managedBy(as(registrar), nationalId)).businesses.map((b) => [
        b.businessNumber,
        b.status,
        b.role,
      ]);
    expect(await listed(ANNA)).toEqual([[second.businessNumber, 'struck-off', 'daily-manager']]);
    await bed.managersProjector.runOnce();
    expect(await listed(ANNA)).toEqual([[second.businessNumber, 'struck-off', 'daily-manager']]);
    expect(await listed(BEN)).toEqual([
      [first.businessNumber, 'active', 'manager'],
      [second.businessNumber, 'struck-off', 'director'],
      ['B3', 'active', 'manager'],
    ]);

    expect(await kind(bed.businesses.managedBy(as(citizen(BEN)), ANNA))).toBe('forbidden');
    expect(await kind(bed.businesses.managedBy(as(agency), ANNA))).toBe('forbidden');
  });

  it('projects managers idempotently: a replayed event changes nothing', async () => {
    const bed = registryTestbed();
    const { businessNumber } = await bed.businesses.register(as(registrar), moselle());
    await bed.businesses.changeManagers(as(registrar), businessNumber, [
      { nationalId: BEN, role: 'director' },
    ]);
    const [registered] = await bed.store.readAll(1n, 1);
    await bed.managersProjector.runOnce();

    // The registration again (older than the held list): Anna must not come back.
    await projectBusinessManagersEvent(bed.managers, registered!);

    expect(await bed.managers.managedBy(ANNA)).toEqual([]);
    expect(await bed.managers.managedBy(BEN)).toEqual([
      { businessNumber, nationalId: BEN, role: 'director' },
    ]);
  });
});
