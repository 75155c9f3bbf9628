import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DATA_CATEGORIES,
  QUALIFYING_FIELDS,
  categoryOfField,
  isDataCategory,
  sourceOf,
} from './categories';
import { InvalidLegalBasisCatalogueError, parseLegalBasisCatalogue } from './catalogue';
import { DEFAULT_LEGAL_BASES_FILE, loadLegalBasisCatalogue } from './load';

const organisation = {
  id: 'ccss',
  name: 'Centre commun de la sécurité sociale',
  contact: 'dpo@secu.lu',
  policyUrl: 'https://ccss.lu/privacy',
};
const basis = {
  id: 'ccss-family-allowances',
  organisationId: 'ccss',
  provision: 'Code de la sécurité sociale, art. 269',
  categories: ['persons.address', 'persons.birth_date'],
  purposes: ['family-allowance-eligibility'],
};

describe('data categories', () => {
  it('knows the registry fields and personal-space items, and nothing else', () => {
    expect(DATA_CATEGORIES).toContain('persons.date_of_death');
    expect(DATA_CATEGORIES).toContain('businesses.registered_address');
    expect(DATA_CATEGORIES).toContain('personal-space.bank-account');
    expect(isDataCategory('persons.address')).toBe(true);
    expect(isDataCategory('persons.shoe_size')).toBe(false);
    expect(isDataCategory('address')).toBe(false);
    expect(sourceOf('personal-space.email')).toBe('personal-space');
  });

  it('puts a field that qualifies another in the category of that field, and every other in its own', () => {
    expect(categoryOfField('persons', 'status')).toBe('persons.date_of_death');
    expect(categoryOfField('persons', 'civil_status_since')).toBe('persons.civil_status');
    expect(categoryOfField('businesses', 'status')).toBe('businesses.strike_off');
    expect(categoryOfField('persons', 'address')).toBe('persons.address');
    // A register declared by a catalogue: its fields are their own categories.
    expect(categoryOfField('vehicles', 'status')).toBe('vehicles.status');
    // Every qualified field is a category itself.
    for (const [source, qualifying] of Object.entries(QUALIFYING_FIELDS)) {
      for (const field of Object.keys(qualifying)) {
        expect(isDataCategory(categoryOfField(source, field))).toBe(true);
      }
    }
  });
});

describe('the legal-basis catalogue', () => {
  it('loads the shipped catalogue', () => {
    const catalogue = loadLegalBasisCatalogue(DEFAULT_LEGAL_BASES_FILE);
    expect(catalogue.legalBasis('ccss-family-allowances')?.provision).toMatch(/art\. 269/);
    expect(catalogue.legalBasis('police-criminal-investigation')?.covert).toEqual({
      sealDays: 365,
    });
    expect(catalogue.organisation('ccss')?.name).toMatch(/sécurité sociale/);
  });

  it('names every offending entry of an invalid catalogue', () => {
    const invalid = {
      organisations: [organisation, organisation],
      legalBases: [
        { ...basis, categories: ['persons.shoe_size'] },
        { ...basis, id: 'other', organisationId: 'nobody' },
      ],
    };
    const error = (() => {
      try {
        parseLegalBasisCatalogue(invalid, 'test.json');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidLegalBasisCatalogueError);
    expect((error as InvalidLegalBasisCatalogueError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['legalBases.0.categories']),
    );
    expect((error as InvalidLegalBasisCatalogueError).message).toMatch(
      /legal basis ccss-family-allowances names unknown fields: persons\.shoe_size/,
    );
    expect((error as InvalidLegalBasisCatalogueError).message).toMatch(/test\.json/);
  });

  it('takes a seal of a fraction of a day, and refuses none or a negative one', () => {
    const covert = (sealDays: number) => ({
      organisations: [organisation],
      legalBases: [{ ...basis, covert: { sealDays } }],
    });
    expect(parseLegalBasisCatalogue(covert(0.5)).legalBases[0]?.covert).toEqual({ sealDays: 0.5 });
    expect(() => parseLegalBasisCatalogue(covert(0))).toThrow(InvalidLegalBasisCatalogueError);
    expect(() => parseLegalBasisCatalogue(covert(-1))).toThrow(InvalidLegalBasisCatalogueError);
  });

  it('refuses duplicates and bases of unknown organisations once the entries are valid', () => {
    expect(() =>
      parseLegalBasisCatalogue({
        organisations: [organisation, organisation],
        legalBases: [basis, { ...basis, organisationId: 'nobody' }],
      }),
    ).toThrow(/organisations\.1\.id.*listed twice.*legalBases\.1\.id.*listed twice.*nobody/);
  });

  it('refuses a file that is not JSON, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'legal-bases-'));
    try {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{ not json');
      expect(() => loadLegalBasisCatalogue(file)).toThrow(/broken\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the fields of a source it declares, and names every unknown field of a basis', () => {
    const withVehicles = {
      sources: { vehicles: ['registration_number', 'make', 'model'] },
      organisations: [organisation],
      legalBases: [{ ...basis, categories: ['vehicles.make', 'persons.address'] }],
    };
    const catalogue = parseLegalBasisCatalogue(withVehicles);
    expect(catalogue.isCategory('vehicles.make')).toBe(true);
    expect(catalogue.isCategory('vehicles.colour')).toBe(false);
    expect(catalogue.isCategory('persons.address')).toBe(true);
    expect(catalogue.sources.get('vehicles')).toEqual(['registration_number', 'make', 'model']);
    expect(
      parseLegalBasisCatalogue({ organisations: [organisation], legalBases: [basis] }).isCategory(
        'vehicles.make',
      ),
    ).toBe(false);

    expect(() =>
      parseLegalBasisCatalogue({
        ...withVehicles,
        legalBases: [
          {
            ...basis,
            categories: ['vehicles.colour', 'vehicles.make', 'boats.hull', 'persons.eye_colour'],
          },
        ],
      }),
    ).toThrow(/names unknown fields: vehicles\.colour, boats\.hull, persons\.eye_colour$/);
    expect(() =>
      parseLegalBasisCatalogue({ ...withVehicles, sources: { persons: ['shoe_size'] } }),
    ).toThrow(/sources\.persons: persons is a built-in source/);
  });

  it('gives an organisation a feed under one of its own bases, and refuses any other', () => {
    const acd = { ...organisation, id: 'acd' };
    const acdBasis = { ...basis, id: 'acd-income-tax', organisationId: 'acd' };
    const catalogue = parseLegalBasisCatalogue({
      organisations: [organisation, acd],
      legalBases: [basis, acdBasis],
      feeds: [{ organisationId: 'ccss', legalBasisId: 'ccss-family-allowances' }],
    });
    expect(catalogue.feedOf('ccss')).toEqual({
      organisationId: 'ccss',
      legalBasisId: 'ccss-family-allowances',
    });
    expect(catalogue.feedOf('acd')).toBeUndefined();
    expect(catalogue.feeds).toHaveLength(1);

    const refused = (feeds: unknown) => () =>
      parseLegalBasisCatalogue({
        organisations: [organisation, acd],
        legalBases: [basis, acdBasis],
        feeds,
      });
    expect(refused([{ organisationId: 'nobody', legalBasisId: 'ccss-family-allowances' }])).toThrow(
      /feeds\.0\.organisationId: organisation nobody is not in organisations/,
    );
    expect(refused([{ organisationId: 'ccss', legalBasisId: 'acd-income-tax' }])).toThrow(
      /legal basis acd-income-tax is acd's, not ccss's/,
    );
    expect(refused([{ organisationId: 'ccss', legalBasisId: 'missing' }])).toThrow(
      /legal basis missing is not in legalBases/,
    );
    expect(
      refused([
        { organisationId: 'ccss', legalBasisId: 'ccss-family-allowances' },
        { organisationId: 'ccss', legalBasisId: 'ccss-family-allowances' },
      ]),
    ).toThrow(/organisation ccss has a feed already/);
  });

  it('covers the asked categories the best basis allows for the purpose, never others', () => {
    const catalogue = parseLegalBasisCatalogue({
      organisations: [organisation],
      legalBases: [
        basis,
        {
          ...basis,
          id: 'wider',
          categories: ['persons.address', 'persons.birth_date', 'persons.sex'],
        },
      ],
    });
    expect(
      catalogue.bestCoverage('ccss', 'family-allowance-eligibility', [
        'persons.sex',
        'persons.address',
        'persons.civil_status',
      ]),
    ).toMatchObject({ basis: { id: 'wider' }, categories: ['persons.sex', 'persons.address'] });
    expect(catalogue.bestCoverage('ccss', 'marketing', ['persons.address'])).toBeUndefined();
    expect(
      catalogue.bestCoverage('acd', 'family-allowance-eligibility', ['persons.address']),
    ).toBeUndefined();
    expect(
      catalogue.bestCoverage('ccss', 'family-allowance-eligibility', ['persons.civil_status']),
    ).toBeUndefined();
  });
});
