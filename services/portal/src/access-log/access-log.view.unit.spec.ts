import { formatsFor } from '../i18n/i18n';
import { ACCESS_LOG } from './access-log.messages';
import { accessLogBody } from './access-log.view';
import type { AccessLeaf, AccessLogAnswer } from './access-log.view';

const leaf: AccessLeaf = {
  format: 'gov.audit.v1.leaf',
  entryId: '10aee3c4-feb1-858e-adc5-43301ea4de31',
  subjectNationalId: '1983081200071',
  organisationId: 'ccss',
  actorId: 'svc-ccss',
  capacity: 'agency-system',
  fields: ['family_name', 'custom_field'],
  accessedAt: '2026-03-01T10:00:00.123Z',
  purpose: '<b id="p">"eligibility"</b>',
  legalBasis: 'Code de la sécurité sociale, art. 269',
  legalBasisId: 'ccss-family-allowances',
  consentId: null,
  procedureId: null,
  traceId: null,
  sourceService: 'registry',
  sourceEventId: 'e-1',
  sourceEventType: 'gov.registry.v1.PersonalDataAccessed',
  sealedUntil: null,
  salt: 'AAAA',
};
const head = {
  tree_size: 9,
  timestamp: 1796574703711,
  root_hash: 'cm9vdA',
  key_id: 'kid-1',
  jws: 'a.b.c',
};
const answer = (overrides: Partial<AccessLogAnswer> = {}): AccessLogAnswer => ({
  subjectNationalId: '1983081200071',
  treeHead: head,
  entries: [
    {
      leafIndex: 3,
      leaf,
      inclusionProof: { leafIndex: 3, treeSize: 9, leafHash: 'x', auditPath: ['y'] },
    },
  ],
  nextCursor: null,
  ...overrides,
});
const jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'xx', kid: 'kid-1' }] };
const en = ACCESS_LOG.in('en');
const formats = formatsFor('en');

/** The text of an attribute as a browser reads it (entities decoded). */
function attribute(markup: string, name: string): string {
  const match = new RegExp(`${name}="([^"]*)"`).exec(markup);
  if (match?.[1] === undefined) throw new Error(`no ${name} in the page`);
  return match[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('the access log page', () => {
  it('carries each entry’s leaf and proof, the tree head and the key, exactly as answered', () => {
    const markup = accessLogBody(en, formats, answer(), jwks, undefined).markup;
    expect(JSON.parse(attribute(markup, 'data-leaf'))).toEqual(leaf);
    expect(JSON.parse(attribute(markup, 'data-proof'))).toEqual({
      leafIndex: 3,
      treeSize: 9,
      leafHash: 'x',
      auditPath: ['y'],
    });
    expect(JSON.parse(attribute(markup, 'data-tree-head'))).toEqual(head);
    expect(JSON.parse(attribute(markup, 'data-jwks'))).toEqual(jwks);
    expect(attribute(markup, 'data-subject')).toBe('1983081200071');
    expect(attribute(markup, 'data-msg-verified')).toBe(
      'Proof verified against the signed tree head of {size} entries',
    );
  });

  it('escapes what the services answered and names the member each shown value comes from', () => {
    const markup = accessLogBody(en, formats, answer(), jwks, undefined).markup;
    expect(markup).not.toContain('<b id="p">');
    expect(markup).toContain('&lt;b id=&quot;p&quot;&gt;&quot;eligibility&quot;&lt;/b&gt;');
    expect(markup).toMatch(/data-member="purpose" data-value="&quot;&lt;b id=/);
    expect(markup).toContain('<li>Family name</li>');
    expect(markup).toContain('<li>custom_field</li>');
    expect(markup).toContain('A system of the organisation');
    expect(markup).toContain('Verifying…');
    expect(markup).toContain('<noscript>');
  });

  it('links a consent to its page and shows no legal basis row for it', () => {
    const consented = { ...leaf, legalBasis: null, legalBasisId: null, consentId: 'c/1 2' };
    const markup = accessLogBody(
      en,
      formats,
      answer({ entries: [{ leafIndex: 0, leaf: consented }] }),
      jwks,
      undefined,
    ).markup;
    expect(markup).toContain('href="/consents/c%2F1%202"');
    expect(markup).not.toContain('Legal basis');
  });

  it('names a feed delivery’s capacity and its data categories in the page’s language', () => {
    const delivered = {
      ...leaf,
      actorId: null,
      capacity: 'feed-recipient',
      fields: ['persons.address', 'persons.sex'],
      purpose: 'change-feed',
    };
    const entries = [{ leafIndex: 0, leaf: delivered }];
    const markup = accessLogBody(en, formats, answer({ entries }), jwks, undefined).markup;
    expect(markup).toContain('Recipient of the changes of your record (its change feed)');
    expect(markup).toContain('<li>Address</li>');
    expect(markup).toContain('<li>persons.sex</li>');
    const fr = accessLogBody(
      ACCESS_LOG.in('fr'),
      formatsFor('fr'),
      answer({ entries }),
      jwks,
      undefined,
    );
    expect(fr.markup).toContain('Destinataire des modifications de votre fiche');
    expect(fr.markup).toContain('<li>Adresse</li>');
  });

  it('offers older entries with the audit service’s cursor, and the way back', () => {
    const first = accessLogBody(en, formats, answer({ nextCursor: '3' }), jwks, undefined).markup;
    expect(first).toContain('href="/access-log?cursor=3" rel="next"');
    expect(first).not.toContain('Newest entries');
    const older = accessLogBody(en, formats, answer(), jwks, '3').markup;
    expect(older).toContain('href="/access-log">Newest entries');
    expect(older).not.toContain('Older entries');
  });

  it('says when nothing is signed yet, and when no one accessed the data', () => {
    const unsigned = accessLogBody(
      en,
      formats,
      answer({ treeHead: null, entries: [] }),
      jwks,
      undefined,
    );
    expect(unsigned.markup).toContain(en('noTreeHead'));
    expect(unsigned.markup).not.toContain('data-access-log');
    const none = accessLogBody(en, formats, answer({ entries: [] }), jwks, undefined);
    expect(none.markup).toContain(en('empty'));
    expect(none.markup).toContain('id="verify-offline"');
  });
});
