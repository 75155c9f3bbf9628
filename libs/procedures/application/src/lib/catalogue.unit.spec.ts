import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';

import {
  DEFAULT_CATALOGUE_DIR,
  InvalidProcedureCatalogueError,
  ProcedureCatalogue,
} from './catalogue';

const legalBases = loadLegalBasisCatalogue();
const shipped = ProcedureCatalogue.load(DEFAULT_CATALOGUE_DIR, legalBases);

describe('the procedure catalogue', () => {
  it('ships four procedures, each at its latest version, older versions kept', () => {
    expect(shipped.list().map((d) => `${d.id}@${d.version}`)).toEqual([
      'change-of-address@2',
      'establishment-permit@1',
      'family-allowance@1',
      'parking-permit@1',
    ]);
    expect(shipped.versions('change-of-address')).toEqual([1, 2]);
    expect(shipped.version('change-of-address', 1)?.form['properties']).not.toHaveProperty(
      'householdMembers',
    );
    expect(shipped.version('family-allowance', 9)).toBeUndefined();
  });

  it('says which source fills which field', () => {
    const permit = shipped.latest('establishment-permit');
    expect(permit).toBeDefined();
    const sources = ProcedureCatalogue.sourcesOf(permit!);
    expect(sources.map((s) => s.source)).toEqual(['persons', 'businesses', 'personal-space']);
    expect(sources[1]?.fields).toContainEqual({
      field: 'managers',
      category: 'businesses.managers',
    });
  });

  it('names every field a form violates', () => {
    const definition = shipped.version('family-allowance', 1)!;
    const errors = shipped.validate(definition, {
      givenNames: 'Anna',
      familyName: 'Schmit',
      birthDate: '12/08/1983',
      address: {
        street: 'Boulevard Royal',
        postcode: '2449',
        locality: 'Luxembourg',
        country: 'LU',
      },
      bankAccount: 'not an iban',
      childGivenNames: 'Léa',
      childFamilyName: 'Schmit',
      unexpected: true,
    });
    expect(errors.map((e) => e.field).sort()).toEqual([
      'form.bankAccount',
      'form.birthDate',
      'form.childBirthDate',
      'form.unexpected',
    ]);
  });

  it('refuses a definition with an unknown organisation, category or field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
    writeFileSync(
      join(dir, 'bad.v1.json'),
      JSON.stringify({
        id: 'bad',
        version: 1,
        title: { fr: 'Mauvais', en: 'Bad' },
        organisationId: 'nobody',
        purpose: 'testing',
        form: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } },
        prefill: { a: 'persons.shoe_size', c: null },
      }),
    );
    let problems: readonly string[] = [];
    try {
      ProcedureCatalogue.load(dir, legalBases);
    } catch (error) {
      if (!(error instanceof InvalidProcedureCatalogueError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([
      'bad.v1.json: organisationId: nobody is not in the legal-basis catalogue',
      'bad.v1.json: prefill.a: persons.shoe_size is not a known data category',
      'bad.v1.json: prefill.b: every form field names a category or null',
      'bad.v1.json: prefill.c: not a field of the form',
    ]);
  });
});
