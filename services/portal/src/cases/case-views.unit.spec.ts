import { actorLabel, statusLabel, stepDetails, stepName } from './case-views';

const step = (name: string, details: Record<string, unknown>) => ({
  at: '2026-12-06T10:00:00Z',
  step: name,
  actor: { kind: 'citizen', id: '1988040200082' },
  details,
  version: 1,
});

describe('a case as a person reads it', () => {
  it('names statuses and steps in the three languages, an unknown one by itself', () => {
    expect(statusLabel('decided', 'approved', 'en')).toBe('Decided: approved');
    expect(statusLabel('information-requested', null, 'fr')).toBe('Informations demandées');
    expect(statusLabel('in-review', null, 'de')).toBe('In Prüfung');
    expect(statusLabel('archived', null, 'de')).toBe('archived');
    expect(stepName('SubmissionDecided', 'en')).toBe('Decision taken');
    expect(stepName('PrefillApplied', 'fr')).toBe('Pré-remplissage effectué');
    expect(stepName('DecisionLetterSent', 'de')).toBe('Bescheid versandt');
    expect(stepName('SomethingNew', 'fr')).toBe('SomethingNew');
  });

  it('says who took a step: the person, the organisation, or the platform', () => {
    expect(actorLabel({ kind: 'citizen', id: '1988040200082' }, '1988040200082', 'en')).toBe('You');
    expect(actorLabel({ kind: 'agency', id: 'svc', organisationId: 'cae' }, 'x', 'en')).toBe('cae');
    expect(actorLabel({ kind: 'service', id: 'procedures' }, 'x', 'de')).toBe('Die Plattform');
  });

  it('spells out the details: sources, question and answer escaped, the letter linked', () => {
    const applied = stepDetails(
      step('PrefillApplied', {
        accepted: ['persons'],
        declined: ['personal-space'],
        fields: [{ field: 'givenNames' }, { field: 'address' }],
      }),
      'en',
    ).markup;
    expect(applied).toContain('Accepted: the register of natural persons.');
    expect(applied).toContain('Declined: your personal space.');
    expect(applied).toContain('Fields prefilled: Given names, Address.');
    expect(stepDetails(step('InformationProvided', { answer: '<i>yes</i>' }), 'en').markup).toBe(
      'Answer: &lt;i&gt;yes&lt;/i&gt;',
    );
    expect(stepDetails(step('DecisionLetterSent', { letterId: 'a/b' }), 'fr').markup).toBe(
      '<a href="/letters/a%2Fb">Le courrier</a>',
    );
  });
});
