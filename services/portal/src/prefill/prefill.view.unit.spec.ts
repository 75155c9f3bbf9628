import { formatsFor } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import type { PrefillPreference } from './prefill.view';
import { EMPTY_OVERRIDE, pathSegment, prefillBody, sourcePreference } from './prefill.view';

const PAGE: PageContext = {
  language: 'en',
  formats: formatsFor('en'),
  session: undefined,
  csrf: 'csrf-token',
  here: '/prefill',
  site: 'primary',
};

const PREFERENCES: PrefillPreference[] = [
  { source: 'persons', procedureId: null, preference: 'NEVER', setAt: '2026-12-06T10:00:00Z' },
  {
    source: 'persons',
    procedureId: 'allocation-familiale',
    preference: 'ALLOW',
    setAt: '2026-12-06T11:00:00Z',
  },
];

describe('pathSegment', () => {
  it('keeps a value one segment of the service path', () => {
    expect(pathSegment('allocation-familiale')).toBe('allocation-familiale');
    expect(pathSegment('a/b?c')).toBe('a%2Fb%3Fc');
  });

  it('refuses what the URL parser would resolve to another route', () => {
    expect(pathSegment('')).toBeUndefined();
    expect(pathSegment('.')).toBeUndefined();
    expect(pathSegment('..')).toBeUndefined();
    expect(pathSegment('%2e%2E')).toBeUndefined();
  });
});

describe('the prefill page', () => {
  it('finds the source’s own answer, not a procedure’s', () => {
    expect(sourcePreference(PREFERENCES, 'persons')).toBe('NEVER');
    expect(sourcePreference(PREFERENCES, 'businesses')).toBeUndefined();
  });

  it('checks each source’s current answer, Yes where none was given', () => {
    const markup = prefillBody(PAGE, PREFERENCES, undefined, EMPTY_OVERRIDE).toString();
    const persons = /data-source="persons">([\s\S]*?)<\/li>/.exec(markup)?.[1] ?? '';
    const businesses = /data-source="businesses">([\s\S]*?)<\/li>/.exec(markup)?.[1] ?? '';
    expect(persons).toMatch(/value="NEVER"\s+checked/);
    expect(persons).toContain('Now: No');
    expect(businesses).toMatch(/value="ALLOW"\s+checked/);
    expect(businesses).toContain('Now: Yes (you have not chosen)');
    expect(markup).toContain('action="/prefill/sources/persons"');
    expect(markup).toContain('name="_csrf" value="csrf-token"');
  });

  it('asks Yes or No for the register of vehicles too, and offers it for an exception', () => {
    const vehicles: PrefillPreference[] = [
      { source: 'vehicles', procedureId: null, preference: 'NEVER', setAt: '2026-12-06T10:00:00Z' },
    ];
    const markup = prefillBody(PAGE, vehicles, undefined, EMPTY_OVERRIDE).toString();
    const section = /data-source="vehicles">([\s\S]*?)<\/li>/.exec(markup)?.[1] ?? '';
    expect(section).toContain('Prefill from the register of vehicles?');
    expect(section).toMatch(/value="NEVER"\s+checked/);
    expect(markup).toContain('action="/prefill/sources/vehicles"');
    expect(markup).toMatch(/<option\s+value="vehicles"[^>]*>\s*Register of vehicles/);
  });

  it('lists a procedure’s exception with the form that removes it', () => {
    const markup = prefillBody(PAGE, PREFERENCES, 'saved', EMPTY_OVERRIDE).toString();
    expect(markup).toContain('data-procedure="allocation-familiale"');
    expect(markup).toContain('name="procedureId" value="allocation-familiale"');
    expect(markup).toContain('aria-label="Remove the exception for allocation-familiale');
    expect(markup).toContain('<p class="success" role="status">Saved.</p>');
  });

  it('shows a refused exception again: the typed value escaped, the error by its field', () => {
    const markup = prefillBody(PAGE, [], undefined, {
      source: 'businesses',
      procedureId: '<b id="typed">',
      preference: 'ALLOW',
      errors: new Map([['procedureId', 'lower-case letters, digits and hyphens, at most 63']]),
    }).toString();
    expect(markup).toContain('value="&lt;b id=&quot;typed&quot;&gt;"');
    expect(markup).not.toContain('<b id="typed">');
    expect(markup).toContain('id="field-procedureId-error"');
    expect(markup).toMatch(/value="businesses"\s+selected/);
    expect(markup).toContain('No exceptions.');
  });
});
