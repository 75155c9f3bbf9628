// The once-only journey of the procedures issue (tools/scripts/lib/journey.ts), clicked through
// as a citizen: the catalogue, starting the family allowance, the prefill preview (Yes to the
// register of persons, No to the personal space), the prefilled form, a refused and a corrected
// submission, the dashboard; the back office of cae (through the API, as the journey does)
// receives, asks a question the person answers in the page, and decides; the case's timeline
// shows every step and links the decision letter. A vehicle procedure (the parking permit)
// asks for the registration number, shows the service's refusals next to it, and prefills the
// vehicle's make from the register of vehicles; her standing No to that register is said on
// the preferences page.
import type { Locator, Page } from 'playwright-core';

import { httpCall } from '../../scripts/lib/drill-client';
import { BACK_OFFICE_PURPOSE, JOURNEY_PROCEDURE } from '../../scripts/lib/journey';
import type { PortalPlatform } from '../lib/portal-platform';
import { expectAccessible, screenshot } from '../lib/browser';

/** The steps of a case that went the whole way, in order, as the service names them. */
const JOURNEY_STEPS = [
  'DraftStarted',
  'PrefillPreviewed',
  'PrefillApplied',
  'Submitted',
  'SubmissionReceived',
  'ReviewStarted',
  'InformationRequested',
  'InformationProvided',
  'SubmissionDecided',
  'DecisionLetterSent',
];

interface PersonRecord {
  readonly givenNames: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly civilStatus: string;
  readonly address: {
    readonly street: string;
    readonly houseNumber: string;
    readonly postcode: string;
    readonly locality: string;
    readonly country: string;
  };
}

interface CaseAnswer {
  readonly status: string;
  readonly letterId: string | null;
  readonly prefilled: Record<string, { source: string; value: unknown }>;
  readonly form: Record<string, unknown> | null;
}

/** An attribute of every element `locator` matches, in order. */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

async function submitForm(page: Page): Promise<void> {
  await Promise.all([
    page.waitForURL(() => true, { waitUntil: 'load' }),
    page.getByRole('button', { name: 'Send the form' }).click(),
  ]);
}

export function proceduresScenarios(platform: () => PortalPlatform): void {
  describe('the once-only journey, clicked through as a citizen', () => {
    it('prefills from the register only, refuses then accepts the form, and follows the case to its decision letter', async () => {
      const p = platform();
      const P = p.url('primary', 'procedures');
      const portal = p.url('primary', 'portal');
      const nationalId = await p.registerPerson({ givenNames: 'Sophie', familyName: 'Thill' });
      const citizen = await p.token('citizen', nationalId);
      const backOffice = await p.token('agency', 'browser-cae', 'cae');
      const record = (
        await httpCall('GET', `${p.url('primary', 'registry')}/persons/${nationalId}`, citizen)
      ).json as PersonRecord;
      // Something in the personal space, so that saying No to it is a real choice.
      await httpCall('PUT', `${P}/personal-space/bank-account`, citizen, {
        body: { value: 'LU28 0019 4006 4475 0000' },
      });

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);

      // The catalogue.
      await page.goto(`${portal}/procedures`);
      await expectAccessible(page);
      await screenshot(page, 'procedures');
      const row = page.locator('tr', { hasText: 'Family allowance application' });
      await expect(row.locator('td').first().textContent()).resolves.toContain('cae');
      await expect(row.textContent()).resolves.toContain(
        'Can be prefilled from: the register of natural persons, your personal space.',
      );

      // Start it.
      await row.locator(`a[href="/procedures/${JOURNEY_PROCEDURE}/start"]`).click();
      await page.waitForURL((url) => url.pathname.endsWith('/start'));
      await expectAccessible(page);
      await Promise.all([
        page.waitForURL((url) => url.pathname.endsWith('/prefill')),
        page.getByRole('button', { name: 'Start the procedure' }).click(),
      ]);
      const caseId = new URL(page.url()).pathname.split('/')[2] ?? '';
      expect(caseId).toMatch(/^[0-9a-f-]{36}$/);

      // The preview: which fields from where, Yes by default (her standing preference).
      await expect(page.locator('h1').textContent()).resolves.toBe(
        'Prefill: Family allowance application',
      );
      await expectAccessible(page);
      await screenshot(page, 'prefill-preview');
      const persons = page.locator('section', { hasText: 'From the register of natural persons' });
      await expect(persons.locator('tbody th').allTextContents()).resolves.toEqual([
        'Given names',
        'Family name',
        'Date of birth',
        'Address',
        'Civil status',
      ]);
      await expect(page.locator('#field-source-persons-yes').isChecked()).resolves.toBe(true);
      await expect(page.locator('#field-source-personal-space-yes').isChecked()).resolves.toBe(
        true,
      );
      await page
        .getByRole('group', { name: 'Prefill from your personal space?' })
        .getByLabel('No')
        .check();
      await Promise.all([
        page.waitForURL((url) => url.pathname.endsWith('/form')),
        page.getByRole('button', { name: 'Confirm and go to the form' }).click(),
      ]);

      // The form: her record's values, saying where they came from; nothing from the space.
      await expectAccessible(page);
      await screenshot(page, 'form');
      await expect(page.locator('#field-givenNames').inputValue()).resolves.toBe(record.givenNames);
      await expect(page.locator('#field-familyName').inputValue()).resolves.toBe(record.familyName);
      await expect(page.locator('#field-birthDate').inputValue()).resolves.toBe(record.birthDate);
      await expect(page.locator('#field-address-street').inputValue()).resolves.toBe(
        record.address.street,
      );
      await expect(page.locator('#field-address-postcode').inputValue()).resolves.toBe(
        record.address.postcode,
      );
      await expect(page.locator('#field-civilStatus').inputValue()).resolves.toBe(
        record.civilStatus,
      );
      await expect(page.locator('#field-givenNames-source').textContent()).resolves.toContain(
        'Prefilled from the register of natural persons.',
      );
      await expect(page.locator('#field-bankAccount').inputValue()).resolves.toBe('');
      await expect(page.locator('#field-bankAccount-source').count()).resolves.toBe(0);
      await expect(
        page.locator('label[for="field-childGivenNames"]').textContent(),
      ).resolves.toContain('(required)');

      // Refused: the service's errors next to the fields, what was typed kept and escaped.
      const typed = {
        childGivenNames: '<b id="typed-given">Léa</b>',
        childFamilyName: '<img id="typed-family" src="x">',
        email: '<script id="typed-email">x</script>',
        'address-houseNumber': '<i id="typed-house">12</i>',
      };
      for (const [field, value] of Object.entries(typed)) {
        await page.locator(`#field-${field}`).fill(value);
      }
      await page.locator('#field-bankAccount').fill('not an IBAN');
      await submitForm(page);
      expect(new URL(page.url()).pathname).toBe(`/drafts/${caseId}/form`);
      await expectAccessible(page);
      await expect(page.locator('#field-bankAccount-error').textContent()).resolves.toContain(
        'must match pattern',
      );
      await expect(page.locator('#field-bankAccount').getAttribute('aria-invalid')).resolves.toBe(
        'true',
      );
      await expect(page.locator('#field-childBirthDate-error').textContent()).resolves.toContain(
        'childBirthDate',
      );
      await expect(page.locator('#field-email-error').textContent()).resolves.toContain(
        'must match pattern',
      );
      await expect(
        page.locator('.error-summary a[href="#field-bankAccount"]').count(),
      ).resolves.toBe(1);
      for (const [field, value] of Object.entries(typed)) {
        await expect(page.locator(`#field-${field}`).inputValue()).resolves.toBe(value);
      }
      for (const id of ['typed-given', 'typed-family', 'typed-email', 'typed-house']) {
        await expect(page.locator(`#${id}`).count()).resolves.toBe(0);
      }
      const refused = (await httpCall('GET', `${P}/drafts/${caseId}`, citizen)).json as CaseAnswer;
      expect(refused.status).toBe('draft');

      // A form posted without the anti-forgery token: refused, nothing sent.
      const forged = await page.request.post(`${portal}/drafts/${caseId}/form`, {
        form: {
          bankAccount: 'LU280019400644750000',
          childGivenNames: 'Léa',
          childFamilyName: 'Thill',
          childBirthDate: '2026-01-15',
        },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);
      expect(
        ((await httpCall('GET', `${P}/drafts/${caseId}`, citizen)).json as CaseAnswer).status,
      ).toBe('draft');

      // Corrected.
      await page.locator('#field-childGivenNames').fill('Léa');
      await page.locator('#field-childFamilyName').fill('Thill');
      await page.locator('#field-childBirthDate').fill('2026-01-15');
      await page.locator('#field-email').fill('');
      await page.locator('#field-address-houseNumber').fill(record.address.houseNumber);
      await page.locator('#field-bankAccount').fill('LU280019400644750000');
      await submitForm(page);
      expect(new URL(page.url()).pathname).toBe(`/cases/${caseId}`);
      await expectAccessible(page);
      await expect(page.locator('.success[role="status"]').textContent()).resolves.toContain(
        'Your form was sent.',
      );
      const submitted = (await httpCall('GET', `${P}/submissions/${caseId}`, citizen))
        .json as CaseAnswer;
      expect(submitted.status).toBe('submitted');
      expect(Object.entries(submitted.prefilled).map(([f, v]) => `${f}:${v.source}`)).toEqual([
        'givenNames:persons',
        'familyName:persons',
        'birthDate:persons',
        'address:persons',
        'civilStatus:persons',
      ]);
      expect(submitted.form).toEqual({
        givenNames: record.givenNames,
        familyName: record.familyName,
        birthDate: record.birthDate,
        address: record.address,
        civilStatus: record.civilStatus,
        bankAccount: 'LU280019400644750000',
        childGivenNames: 'Léa',
        childFamilyName: 'Thill',
        childBirthDate: '2026-01-15',
      });

      // The dashboard.
      await page.goto(`${portal}/cases`);
      await expectAccessible(page);
      await screenshot(page, 'cases');
      const active = page.locator('table', { hasText: 'In progress' });
      const link = active.locator(`a[href="/cases/${caseId}"]`);
      await expect(link.textContent()).resolves.toBe('Family allowance application');
      await expect(
        active
          .locator('tr', { has: page.locator(`a[href="/cases/${caseId}"]`) })
          .locator('.status')
          .textContent(),
      ).resolves.toBe('Sent');

      // The back office of cae, through the API as the journey does it.
      for (const step of ['receive', 'start-review']) {
        await httpCall('POST', `${P}/submissions/${caseId}/${step}`, backOffice);
      }
      await httpCall('GET', `${p.url('primary', 'registry')}/persons/${nationalId}`, backOffice, {
        headers: { 'x-purpose': BACK_OFFICE_PURPOSE, 'x-procedure': JOURNEY_PROCEDURE },
      });
      await httpCall('POST', `${P}/submissions/${caseId}/request-information`, backOffice, {
        body: { question: 'Does Léa live with you?' },
      });

      // She answers in the page: an empty answer refused next to the field, then hers.
      await link.click();
      await page.waitForURL((url) => url.pathname === `/cases/${caseId}`);
      await expectAccessible(page);
      await expect(page.locator('#open-question').textContent()).resolves.toBe(
        'Does Léa live with you?',
      );
      await page.locator('#field-answer').fill('  ');
      await page.getByRole('button', { name: 'Send the answer' }).click();
      await page.waitForLoadState();
      await expectAccessible(page);
      await expect(page.locator('#field-answer-error').count()).resolves.toBe(1);
      await page
        .locator('#field-answer')
        .fill('<i id="typed-answer">Yes</i>, at the same address.');
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('answered') === '1'),
        page.getByRole('button', { name: 'Send the answer' }).click(),
      ]);
      await expectAccessible(page);
      await expect(page.locator('#case-status').textContent()).resolves.toBe('Under review');
      await expect(page.locator('#typed-answer').count()).resolves.toBe(0);
      await expect(page.locator('.timeline').textContent()).resolves.toContain(
        'Answer: <i id="typed-answer">Yes</i>, at the same address.',
      );

      // The decision, and its letter (sent at once, or by the reactor soon after).
      await httpCall('POST', `${P}/submissions/${caseId}/decide`, backOffice, {
        body: { outcome: 'approved', reason: 'The child lives in the household.' },
      });
      let decided = (await httpCall('GET', `${P}/submissions/${caseId}`, citizen))
        .json as CaseAnswer;
      for (let i = 0; i < 150 && decided.letterId === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        decided = (await httpCall('GET', `${P}/submissions/${caseId}`, citizen)).json as CaseAnswer;
      }
      expect(decided.letterId).not.toBeNull();

      // The timeline: every step the service lists, named, with its time; the letter linked.
      await page.goto(`${portal}/cases/${caseId}`);
      await expectAccessible(page);
      await screenshot(page, 'timeline');
      await expect(page.locator('#case-status').textContent()).resolves.toBe('Decided: approved');
      const api = (await httpCall('GET', `${P}/submissions/${caseId}/timeline`, citizen)).json as {
        steps: { step: string; at: string }[];
      };
      expect(api.steps.map((s) => s.step)).toEqual(JOURNEY_STEPS);
      const rows = page.locator('.timeline tbody tr');
      await expect(attributes(rows, 'data-step')).resolves.toEqual(JOURNEY_STEPS);
      await expect(rows.locator('th').allTextContents()).resolves.toEqual([
        'Procedure started',
        'Prefill preview shown',
        'Prefill applied',
        'Form sent',
        'Received by the administration',
        'Review started',
        'Information requested',
        'Information provided',
        'Decision taken',
        'Decision letter sent',
      ]);
      await expect(attributes(rows.locator('time'), 'datetime')).resolves.toEqual(
        api.steps.map((s) => s.at),
      );
      await expect(
        page.locator('tr[data-step="PrefillApplied"] .details').textContent(),
      ).resolves.toContain('Declined: your personal space.');
      await expect(page.locator('#decision-letter').getAttribute('href')).resolves.toBe(
        `/letters/${decided.letterId ?? ''}`,
      );
      await expect(
        page.locator('tr[data-step="DecisionLetterSent"] a').getAttribute('href'),
      ).resolves.toBe(`/letters/${decided.letterId ?? ''}`);

      // The same steps in French and German.
      await page.getByRole('link', { name: 'Français' }).click();
      await page.waitForLoadState();
      await expectAccessible(page);
      await expect(
        page.locator('tr[data-step="SubmissionDecided"] th').textContent(),
      ).resolves.toBe('Décision prise');
      await page.getByRole('link', { name: 'Deutsch' }).click();
      await page.waitForLoadState();
      await expectAccessible(page);
      await expect(page.locator('tr[data-step="PrefillApplied"] th').textContent()).resolves.toBe(
        'Vorausgefüllt',
      );
      await page.goto(`${portal}/cases`);
      await expectAccessible(page);
      await expect(
        page
          .locator('table', { hasText: 'Abgeschlossen' })
          .locator(`a[href="/cases/${caseId}"]`)
          .count(),
      ).resolves.toBe(1);
    });

    it('asks a business procedure for the business, and shows a refused number next to it', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Marc', familyName: 'Kremer' });
      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      await page.goto(`${p.url('primary', 'portal')}/procedures/establishment-permit/start`);
      await expectAccessible(page);
      const field = page.locator('#field-businessNumber');
      await field.fill('<b id="typed-business">B0</b>');
      await page.getByRole('button', { name: 'Start the procedure' }).click();
      await page.waitForLoadState();
      expect(new URL(page.url()).pathname).toBe('/procedures/establishment-permit/start');
      await expectAccessible(page);
      await expect(page.locator('#field-businessNumber-error').textContent()).resolves.toContain(
        'must be B followed by',
      );
      await expect(field.inputValue()).resolves.toBe('<b id="typed-business">B0</b>');
      await expect(page.locator('#typed-business').count()).resolves.toBe(0);
      const citizen = await p.token('citizen', nationalId);
      const dashboard = (
        await httpCall('GET', `${p.url('primary', 'procedures')}/dashboard`, citizen)
      ).json as { active: unknown[] };
      expect(dashboard.active).toEqual([]);
    });

    it('asks a vehicle procedure for the registration number, refuses one not hers, and prefills from the register of vehicles', async () => {
      const p = platform();
      const registry = p.url('primary', 'registry');
      const portal = p.url('primary', 'portal');
      const nationalId = await p.registerPerson({ givenNames: 'Claire', familyName: 'Reding' });
      const neighbour = await p.registerPerson({ givenNames: 'Paul', familyName: 'Reding' });
      const registrar = await p.token('registrar', 'browser-registrar');
      const vehicle = (registrationNumber: string, owner: string, make: string) =>
        httpCall('POST', `${registry}/vehicles`, registrar, {
          body: {
            registrationNumber,
            owner: { kind: 'person', nationalId: owner },
            make,
            model: 'Zoe',
            firstRegistration: '2021-04-15',
          },
          expected: [201],
          idempotencyKey: `browser-vehicle-${registrationNumber.replace(/\W/g, '')}`,
        });
      await vehicle('PV 2468', nationalId, 'Renault');
      await vehicle('PV 1357', neighbour, 'Peugeot');

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      await page.goto(`${portal}/procedures`);
      await expectAccessible(page);
      const row = page.locator('tr', { hasText: "Residents' parking permit application" });
      await expect(row.textContent()).resolves.toContain('For a vehicle you own.');
      await expect(row.textContent()).resolves.toContain('the register of vehicles');

      await row.locator('a[href="/procedures/parking-permit/start"]').click();
      await page.waitForURL((url) => url.pathname === '/procedures/parking-permit/start');
      await expectAccessible(page);
      const field = page.locator('#field-registrationNumber');
      await expect(page.locator('#field-registrationNumber-hint').textContent()).resolves.toContain(
        'AB 1234',
      );
      // Malformed (400), not in the register (422), and the neighbour's (403): each said next
      // to the field, nothing started.
      for (const [typed, message] of [
        ['<b id="typed-vehicle">PV</b>', 'two letters and four digits'],
        ['PV 9999', 'has no vehicle under this number'],
        ['PV 1357', 'does not name you as the owner'],
      ] as const) {
        await field.fill(typed);
        await Promise.all([
          page.waitForURL(() => true, { waitUntil: 'load' }),
          page.getByRole('button', { name: 'Start the procedure' }).click(),
        ]);
        expect(new URL(page.url()).pathname).toBe('/procedures/parking-permit/start');
        await expectAccessible(page);
        await expect(
          page.locator('#field-registrationNumber-error').textContent(),
        ).resolves.toContain(message);
        await expect(field.inputValue()).resolves.toBe(typed);
      }
      await expect(page.locator('#typed-vehicle').count()).resolves.toBe(0);
      const citizen = await p.token('citizen', nationalId);
      const P = p.url('primary', 'procedures');
      const none = (await httpCall('GET', `${P}/dashboard`, citizen)).json as { active: unknown[] };
      expect(none.active).toEqual([]);

      // Her own, written as people do.
      await field.fill('pv-2468');
      await Promise.all([
        page.waitForURL((url) => /^\/drafts\/[^/]+\/prefill$/.test(url.pathname)),
        page.getByRole('button', { name: 'Start the procedure' }).click(),
      ]);
      await expectAccessible(page);
      const vehicles = page.locator('section', { hasText: 'From the register of vehicles' });
      await expect(vehicles.locator('tbody th').allTextContents()).resolves.toEqual([
        'Registration number',
        'Make',
        'Model',
      ]);
      await expect(page.locator('#field-source-vehicles-yes').isChecked()).resolves.toBe(true);
      await Promise.all([
        page.waitForURL((url) => url.pathname.endsWith('/form')),
        page.getByRole('button', { name: 'Confirm and go to the form' }).click(),
      ]);
      await expectAccessible(page);
      await expect(page.locator('#field-make').inputValue()).resolves.toBe('Renault');
      await expect(page.locator('#field-registrationNumber').inputValue()).resolves.toBe('PV2468');
      await expect(page.locator('#field-make-source').textContent()).resolves.toContain(
        'Prefilled from the register of vehicles.',
      );

      // Her standing No to the register of vehicles, said on the preferences page the preview
      // links to, is the consent service's answer for the parking permit.
      await page.goto(`${portal}/prefill`);
      const standing = page.locator('li[data-source="vehicles"]');
      await standing.getByLabel('No', { exact: true }).check();
      await Promise.all([
        page.waitForURL(() => true, { waitUntil: 'load' }),
        standing.getByRole('button', { name: 'Save for the register of vehicles' }).click(),
      ]);
      await expectAccessible(page);
      await expect(standing.locator('.current-preference').innerText()).resolves.toBe('Now: No');
      const answer = await httpCall(
        'GET',
        `${p.url('primary', 'consent')}/prefill-preferences/${nationalId}?source=vehicles&procedure=parking-permit`,
        citizen,
      );
      expect(answer.json).toMatchObject({ prefill: false });
    });

    it('offers a manager the businesses the register names them for', async () => {
      const p = platform();
      const [anna] = p.demo.identities;
      if (anna?.role !== 'citizen') throw new Error('the first demo identity is not a person');
      const page = await p.newPage('en');
      await p.signInAsCitizen(page, anna.nationalId);
      await page.goto(`${p.url('primary', 'portal')}/procedures/establishment-permit/start`);
      await expectAccessible(page);
      const choice = page.getByRole('radio', { name: /Moselle Logistics \(B\d+\)/ });
      await expect(choice.isChecked()).resolves.toBe(true);
      const businessNumber = await choice.getAttribute('value');
      await page.getByRole('button', { name: 'Start the procedure' }).click();
      await page.waitForURL((url) => /^\/drafts\/[^/]+\/prefill$/.test(url.pathname));
      const caseId = new URL(page.url()).pathname.split('/')[2] ?? '';
      const citizen = await p.token('citizen', anna.nationalId);
      const draft = (
        await httpCall('GET', `${p.url('primary', 'procedures')}/drafts/${caseId}`, citizen)
      ).json as { businessNumber: string | null };
      expect(draft.businessNumber).toBe(businessNumber);
    });
  });
}
