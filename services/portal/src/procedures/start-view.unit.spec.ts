import { ApiProblem } from '../api/api-client';
import { formatsFor } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import { NO_ERRORS } from '../layout/forms';
import { PREFILL_SOURCES, sourceName } from './procedures.api';
import type { CatalogueEntry } from './procedures.api';
import { PROCEDURES } from './procedures.messages';
import { audienceOf, startBody, startFieldOf, startRefusal } from './start-view';

function pageIn(language: Language = 'en'): PageContext {
  return {
    language,
    formats: formatsFor(language),
    session: undefined,
    csrf: 'csrf-token',
    here: '/procedures/parking-permit/start',
    site: 'primary',
  };
}

function entry(kind: 'personal' | 'business' | 'vehicle'): CatalogueEntry {
  return {
    id: kind === 'vehicle' ? 'parking-permit' : 'family-allowance',
    version: 1,
    title: { fr: 'Vignette', en: 'Permit' },
    organisationId: 'commune-luxembourg',
    purpose: 'parking-permit',
    business: kind === 'business',
    vehicle: kind === 'vehicle',
    form: {},
    prefill: {},
    versions: [1],
    sources: [],
  };
}

const problem = (
  status: number,
  errors: { field: string; message: string }[] = [],
  body: Record<string, unknown> = {},
) =>
  new ApiProblem('procedures', status, 'Refused', 'the service’s own words', errors, 'r-1', body);
const notInRegister = () => problem(422, [], { code: 'RECORD_NOT_IN_REGISTER' });

const en = PROCEDURES.in('en');

describe('starting a vehicle procedure', () => {
  it('names the field each kind of procedure asks for, and who it is for', () => {
    expect(startFieldOf(entry('vehicle'))).toBe('registrationNumber');
    expect(startFieldOf(entry('business'))).toBe('businessNumber');
    expect(startFieldOf(entry('personal'))).toBeUndefined();
    expect(audienceOf(entry('vehicle'), en)).toBe('For a vehicle you own.');
    expect(audienceOf(entry('business'), en)).toBe('For a business you manage.');
    expect(audienceOf(entry('personal'), en)).toBe('For yourself.');
    expect(audienceOf(entry('vehicle'), PROCEDURES.in('fr'))).toBe(
      'Pour un véhicule dont vous êtes propriétaire.',
    );
    expect(audienceOf(entry('vehicle'), PROCEDURES.in('de'))).toBe(
      'Für ein Fahrzeug, das Ihnen gehört.',
    );
  });

  it('asks for the registration number in a labelled text field with its hint', () => {
    const markup = startBody(pageIn(), entry('vehicle'), {
      errors: NO_ERRORS,
      value: '',
      businesses: [],
    }).toString();
    expect(markup).toContain('<label for="field-registrationNumber"');
    expect(markup).toContain('name="registrationNumber"');
    expect(markup).toContain('aria-describedby="field-registrationNumber-hint"');
    expect(markup).toContain('for example AB 1234');
    expect(markup).not.toContain('businessNumber');
    expect(markup).toContain('action="/procedures/parking-permit/start"');
  });

  it('asks nothing of a procedure for the person themselves', () => {
    const markup = startBody(pageIn(), entry('personal'), {
      errors: NO_ERRORS,
      value: '',
      businesses: [],
    }).toString();
    expect(markup).not.toContain('registrationNumber');
    expect(markup).not.toContain('businessNumber');
  });

  it.each([
    [400, 'Give the registration number as two letters and four digits, for example AB 1234.'],
    [403, 'The register of vehicles does not name you as the owner of this vehicle.'],
    [404, 'The register of vehicles has no vehicle under this number.'],
  ])('shows a %i next to the registration number, in the person’s words', (status, message) => {
    const errors = startRefusal(entry('vehicle'), problem(status), en);
    expect(errors && [...errors]).toEqual([['registrationNumber', message]]);
  });

  it('shows the registry’s 404 that procedures relays as a 422 next to the number, not another 422', () => {
    const errors = startRefusal(entry('vehicle'), notInRegister(), en);
    expect(errors && [...errors]).toEqual([
      ['registrationNumber', 'The register of vehicles has no vehicle under this number.'],
    ]);
    // Another refusal relayed by procedures (the registry refused its read, say).
    expect(startRefusal(entry('vehicle'), problem(422), en)).toBeUndefined();
  });

  it('shows the refusal in French and German too, with what was typed kept and escaped', () => {
    for (const [language, message] of [
      ['fr', 'Le registre des véhicules ne vous désigne pas comme propriétaire de ce véhicule.'],
      ['de', 'Das Fahrzeugregister nennt Sie nicht als Eigentümer dieses Fahrzeugs.'],
    ] as const) {
      const errors = startRefusal(entry('vehicle'), problem(403), PROCEDURES.in(language));
      expect(errors?.get('registrationNumber')).toBe(message);
      const markup = startBody(pageIn(language), entry('vehicle'), {
        errors: errors ?? NO_ERRORS,
        value: '<b>AB 1234</b>',
        businesses: [],
      }).toString();
      expect(markup).toContain(
        `<p class="error" id="field-registrationNumber-error">${message}</p>`,
      );
      expect(markup).toContain('aria-invalid="true"');
      expect(markup).toContain('value="&lt;b&gt;AB 1234&lt;/b&gt;"');
      expect(markup).toContain('href="#field-registrationNumber"');
    }
  });

  it('leaves other refusals and failures to their own page', () => {
    expect(startRefusal(entry('vehicle'), problem(409), en)).toBeUndefined();
    expect(startRefusal(entry('vehicle'), problem(503), en)).toBeUndefined();
    expect(startRefusal(entry('vehicle'), new Error('down'), en)).toBeUndefined();
    expect(startRefusal(entry('personal'), problem(400), en)).toBeUndefined();
  });

  it('keeps a business’s refusals in the service’s words, and a vehicle’s 422 is not one of them', () => {
    const field = [{ field: 'businessNumber', message: 'must be B followed by digits' }];
    expect([...(startRefusal(entry('business'), problem(400, field), en) ?? [])]).toEqual([
      ['businessNumber', 'must be B followed by digits'],
    ]);
    expect([...(startRefusal(entry('business'), problem(403), en) ?? [])]).toEqual([
      ['businessNumber', 'the service’s own words'],
    ]);
    expect(startRefusal(entry('business'), problem(422), en)).toBeUndefined();
  });
});

describe('the register of vehicles as a prefill source', () => {
  it('is one of the sources the preview answers Yes or No to', () => {
    expect(PREFILL_SOURCES).toContain('vehicles');
  });

  it('is named in the three languages', () => {
    expect(sourceName('vehicles', 'en')).toBe('the register of vehicles');
    expect(sourceName('vehicles', 'fr')).toBe('le registre des véhicules');
    expect(sourceName('vehicles', 'de')).toBe('das Fahrzeugregister');
  });
});
