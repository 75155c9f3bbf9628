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

  it('lets registrars of businesses and agencies on a legal basis read; not citizens', async () => {
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
    expect(await kind(bed.businesses.get(as(citizen(ANNA)), businessNumber))).toBe('forbidden');
    expect(await kind(bed.businesses.get(as(registrar), 'B999'))).toBe('not-found');
  });
});
