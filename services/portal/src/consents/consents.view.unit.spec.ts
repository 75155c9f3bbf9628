import { formatsFor } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import type { Consent, GrantForm } from './consents.view';
import {
  actionsFor,
  consentBody,
  consentsBody,
  grantBody,
  grantRequestOf,
  ifMatchOf,
  revokeBody,
  validUntilOf,
} from './consents.view';

function pageIn(language: Language = 'en'): PageContext {
  return {
    language,
    formats: formatsFor(language),
    session: undefined,
    csrf: 'csrf-token',
    here: '/consents',
    site: 'primary',
  };
}

const CONSENT: Consent = {
  consentId: '6ab7278d-ba7e-8d0f-9952-210bdfded0ac',
  subject: '1983081246785',
  organisationId: 'ccss',
  organisationName: 'Centre commun de la sécurité sociale',
  categories: ['persons.address', 'personal-space.bank-account'],
  purpose: 'pay <b>allowances</b>',
  procedureId: null,
  validFrom: '2026-12-06T10:00:00.000Z',
  validUntil: '2027-09-01T00:00:00.000Z',
  maxUses: 10,
  uses: 3,
  lastUseAt: '2026-12-06T12:00:00.000Z',
  status: 'ACTIVE',
  supersedes: null,
  supersededBy: null,
  grantedAt: '2026-12-06T10:00:00.000Z',
  endedAt: null,
  version: 7,
};

const RECEIPT = {
  receiptId: '01a24c3e-2a7c-7ee9-95a2-a9cabc33db40',
  eventType: 'given' as const,
  issuedAt: '2026-12-06T10:00:00.000Z',
};

describe('If-Match and actions', () => {
  it('sends back the version the page showed, and nothing else', () => {
    expect(ifMatchOf('7')).toBe('"7"');
    expect(ifMatchOf('')).toBeUndefined();
    expect(ifMatchOf('0')).toBeUndefined();
    expect(ifMatchOf('7", "8')).toBeUndefined();
  });

  it('offers only what changes something: pause or resume, and revoke, until the end', () => {
    expect(actionsFor('ACTIVE')).toEqual(['pause', 'revoke']);
    expect(actionsFor('PAUSED')).toEqual(['resume', 'revoke']);
    expect(actionsFor('REVOKED')).toEqual([]);
    expect(actionsFor('EXPIRED')).toEqual([]);
    expect(actionsFor('SUPERSEDED')).toEqual([]);
  });
});

describe('the consents list', () => {
  it('shows organisation, data, purpose (escaped), validity, uses and status', () => {
    const markup = consentsBody(pageIn(), [CONSENT]).toString();
    expect(markup).toContain('Centre commun de la sécurité sociale');
    expect(markup).toContain('<li data-category="persons.address">Address</li>');
    expect(markup).toContain('Bank account (personal space)');
    expect(markup).toContain('pay &lt;b&gt;allowances&lt;/b&gt;');
    expect(markup).toContain('3 of 10');
    expect(markup).toContain('>Active</span');
    expect(markup).toContain('href="/consents/new"');
  });

  it('writes unlimited uses and names in German', () => {
    const markup = consentsBody(pageIn('de'), [
      { ...CONSENT, maxUses: null, status: 'PAUSED' },
    ]).toString();
    expect(markup).toContain('3 (unbegrenzt)');
    expect(markup).toContain('>Ausgesetzt</span');
    expect(markup).toContain('Adresse');
  });
});

describe('a consent', () => {
  it('carries the shown version in each form; revoking goes through a page that asks', () => {
    const markup = consentBody(pageIn(), CONSENT, [RECEIPT], { kind: 'none' }).toString();
    expect(markup).toContain(`action="/consents/${CONSENT.consentId}/pause"`);
    expect(markup).toContain('name="version" value="7"');
    expect(markup).toContain('name="_csrf" value="csrf-token"');
    expect(markup).not.toContain(`action="/consents/${CONSENT.consentId}/revoke"`);
    expect(markup).toContain(`href="/consents/${CONSENT.consentId}/revoke"`);
    expect(markup).not.toContain('/resume"');
  });

  it('lists the receipts as downloads from the portal', () => {
    const markup = consentBody(pageIn(), CONSENT, [RECEIPT], { kind: 'none' }).toString();
    expect(markup).toContain(`href="/consents/${CONSENT.consentId}/receipts/${RECEIPT.receiptId}"`);
    expect(markup).toContain(`download="consent-receipt-${RECEIPT.receiptId}.jws"`);
    expect(markup).toContain('data-event="given"');
  });

  it('offers nothing to change on a revoked consent', () => {
    const markup = consentBody(
      pageIn(),
      { ...CONSENT, status: 'REVOKED', endedAt: '2026-12-07T00:00:00.000Z' },
      [RECEIPT],
      { kind: 'done', action: 'revoke', changed: true },
    ).toString();
    expect(markup).not.toContain('<form');
    expect(markup).not.toContain('/revoke"');
    expect(markup).toContain('The consent is revoked.');
    expect(markup).toContain('This consent has ended');
  });

  it('explains a change made meanwhile (412) and a repeat that changed nothing', () => {
    expect(
      consentBody(pageIn('fr'), CONSENT, [], { kind: 'changed-meanwhile' }).toString(),
    ).toContain('Ce consentement a changé depuis l’affichage de la page');
    expect(
      consentBody(pageIn(), CONSENT, [], {
        kind: 'done',
        action: 'pause',
        changed: false,
      }).toString(),
    ).toContain('Nothing changed');
  });

  it('asks before revoking, with a form at the version shown', () => {
    const markup = revokeBody(pageIn(), CONSENT).toString();
    expect(markup).toContain(`action="/consents/${CONSENT.consentId}/revoke"`);
    expect(markup).toContain('name="version" value="7"');
    expect(markup).toContain('name="_csrf" value="csrf-token"');
    expect(markup).toContain('Revoking is final');
    expect(markup).toContain(`href="/consents/${CONSENT.consentId}"`);
  });
});

describe('granting', () => {
  const form: GrantForm = {
    organisationId: 'ccss',
    categories: ['persons.address'],
    purpose: 'family-allowance-payment-account',
    procedureId: '',
    validUntil: '2027-08-31',
    maxUses: '',
    idempotencyKey: '8c1d3c6e-3b7a-4c1e-9a55-0d7c2f0b1e11',
    errors: new Map(),
  };

  it('ends a consent at the next midnight in Luxembourg, summer or winter', () => {
    expect(validUntilOf('2027-08-31')).toBe('2027-08-31T22:00:00.000Z');
    expect(validUntilOf('2027-01-15')).toBe('2027-01-15T23:00:00.000Z');
    // Not a calendar date: passed on for the service to refuse next to the field.
    expect(validUntilOf('2027-02-30')).toBe('2027-02-30');
    expect(validUntilOf('soon')).toBe('soon');
  });

  it('sends what was filled in, numbers as numbers, and leaves out what was not', () => {
    expect(grantRequestOf(form)).toEqual({
      organisationId: 'ccss',
      categories: ['persons.address'],
      purpose: 'family-allowance-payment-account',
      validUntil: '2027-08-31T22:00:00.000Z',
    });
    expect(grantRequestOf({ ...form, maxUses: ' 3 ', procedureId: 'p-1' })).toMatchObject({
      maxUses: 3,
      procedureId: 'p-1',
    });
    expect(grantRequestOf({ ...form, maxUses: 'three' })).toMatchObject({ maxUses: 'three' });
  });

  it('shows typed values escaped, chosen categories checked, and errors by their fields', () => {
    const markup = grantBody(pageIn(), {
      ...form,
      organisationId: '<b id="x">',
      errors: new Map([
        ['organisationId', 'lower-case letters, digits and hyphens, at most 63'],
        ['categories', 'Too small'],
      ]),
    }).toString();
    expect(markup).toContain('value="&lt;b id=&quot;x&quot;&gt;"');
    expect(markup).not.toContain('<b id="x">');
    expect(markup).toMatch(/value="persons.address"\s+checked/);
    expect(markup).not.toMatch(/value="persons.sex"\s+checked/);
    expect(markup).toContain('id="field-organisationId-error"');
    expect(markup).toContain('id="field-categories-error"');
    expect(markup).toContain(`name="idempotencyKey" value="${form.idempotencyKey}"`);
  });
});
