// Letters (open, read, confirm receipt), a consent's whole life (granted in the page, its
// receipt downloaded, paused, resumed, revoked after a confirmation, the agency's read refused
// afterwards) and the Yes/No to prefilling: what the person sees, and what the APIs say behind.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { compactVerify, createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { Page } from 'playwright-core';

import { httpCall } from '../../scripts/lib/drill-client';
import type { PortalPlatform } from '../lib/portal-platform';
import { expectAccessible, screenshot } from '../lib/browser';

/** The purpose the consent is given for: no legal basis of ccss allows it. */
const PURPOSE = 'family-allowance-payment-account';

function text(page: Page, selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .innerText()
    .then((value) => value.trim());
}

/** Clicks a link or a form's button and waits for the page it leads to. */
async function follow(page: Page, control: ReturnType<Page['getByRole']>): Promise<void> {
  // The next document's load event: the current one has fired already, so it cannot be
  // mistaken for it (a 303 after a form lands on the same URL, which waitForURL would take).
  await Promise.all([page.waitForEvent('load'), control.click()]);
}

/** A date `days` from now, as a date field takes it. */
function dateIn(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function lettersConsentsScenarios(platform: () => PortalPlatform): void {
  describe('letters', () => {
    it('shows a letter AVAILABLE, opens it (READ), and confirms its receipt, as the API then says', async () => {
      const p = platform();
      const portal = p.url('primary', 'portal');
      const letterbox = p.url('primary', 'letterbox');
      const nationalId = await p.registerPerson({ givenNames: 'Maja', familyName: 'Letzeburger' });
      const agency = await p.token('agency', 'svc-ccss', 'ccss');
      const citizen = await p.token('citizen', nationalId, nationalId);
      const document = 'Madame,\nvotre demande est acceptée.\n<b id="in-letter">marked up</b>\n';
      const delivered = await httpCall('POST', `${letterbox}/letters`, agency, {
        body: {
          recipient: { kind: 'person', id: nationalId },
          subject: 'Décision : allocation familiale',
          contentType: 'text/plain',
          content: Buffer.from(document).toString('base64'),
          retentionDays: 3650,
          receiptRequested: true,
        },
        expected: [201],
        idempotencyKey: randomUUID(),
      });
      const letterId = (delivered.json as { letterId: string }).letterId;
      const state = async (): Promise<string> =>
        (
          (await httpCall('GET', `${letterbox}/letters/${letterId}`, citizen)).json as {
            state: string;
          }
        ).state;

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      await page.goto(`${portal}/letters`);
      const row = page.locator(`tr[data-letter="${letterId}"]`);
      await expect(row.locator('.letter-state').innerText()).resolves.toBe('Available');
      await expect(row.locator('td').first().innerText()).resolves.toBe('ccss');
      await expect(row.locator('th a').innerText()).resolves.toBe(
        'Décision : allocation familiale',
      );
      await expectAccessible(page);
      await screenshot(page, 'letters');

      await follow(page, row.getByRole('link'));
      expect(new URL(page.url()).pathname).toBe(`/letters/${letterId}`);
      await expect(text(page, 'main .letter-state')).resolves.toBe('Available');
      await expectAccessible(page);

      // Not read yet: the letterbox refuses the receipt, and the page says why.
      await follow(page, page.getByRole('button', { name: 'Confirm receipt' }));
      await expect(text(page, '[role="alert"]')).resolves.toBe(
        'Receipt not confirmed: open the document before confirming its receipt.',
      );
      await expectAccessible(page);
      await expect(state()).resolves.toBe('AVAILABLE');

      await follow(page, page.getByRole('link', { name: 'Open the document' }));
      expect(new URL(page.url()).pathname).toBe(`/letters/${letterId}/document`);
      await expect(page.locator('pre.letter-text').textContent()).resolves.toBe(document);
      await expect(page.locator('#in-letter').count()).resolves.toBe(0);
      await expect(text(page, 'main .letter-state')).resolves.toBe('Read');
      await expectAccessible(page);
      await expect(state()).resolves.toBe('READ');

      await follow(page, page.getByRole('link', { name: 'Back to the letter' }));
      await follow(page, page.getByRole('button', { name: 'Confirm receipt' }));
      await expect(text(page, '[role="status"]')).resolves.toBe(
        'Receipt confirmed. The sender can see it.',
      );
      await expect(text(page, 'main .letter-state')).resolves.toBe('Receipt confirmed');
      await expect(text(page, 'tr[data-state="RECEIPT_CONFIRMED"] td')).resolves.not.toBe(
        'not yet',
      );
      await expect(page.getByRole('button', { name: 'Confirm receipt' }).count()).resolves.toBe(0);
      await expectAccessible(page);
      await screenshot(page, 'letter');
      // The sender sees the confirmation too.
      const sent = await httpCall('GET', `${letterbox}/letters/${letterId}`, agency);
      expect(sent.json).toMatchObject({ state: 'RECEIPT_CONFIRMED' });

      // The document through the portal's own route: the letterbox's type, never sniffed.
      const content = await page.request.get(`${portal}/letters/${letterId}/content`);
      expect(content.status()).toBe(200);
      expect(content.headers()['content-type']).toBe('text/plain; charset=utf-8');
      expect(content.headers()['content-disposition']).toBe('inline');
      expect(content.headers()['x-content-type-options']).toBe('nosniff');
      expect((await content.body()).toString('utf8')).toBe(document);
    });

    it('serves a PDF through the portal as the letterbox does, and opening it makes it read', async () => {
      const p = platform();
      const portal = p.url('primary', 'portal');
      const letterbox = p.url('primary', 'letterbox');
      const nationalId = await p.registerPerson({ givenNames: 'Paul', familyName: 'Pdf' });
      const agency = await p.token('agency', 'svc-acd', 'acd');
      const pdf = Buffer.from(
        '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF\n',
      );
      const delivered = await httpCall('POST', `${letterbox}/letters`, agency, {
        body: {
          recipient: { kind: 'person', id: nationalId },
          // A sender's markup is text on every page.
          subject: 'Bulletin <i id="in-subject">d’impôt</i>',
          contentType: 'application/pdf',
          content: pdf.toString('base64'),
          retentionDays: 30,
        },
        expected: [201],
        idempotencyKey: randomUUID(),
      });
      const letterId = (delivered.json as { letterId: string }).letterId;
      const page = await p.newPage('fr');
      await p.signInAsCitizen(page, nationalId);
      await page.goto(`${portal}/letters`);
      await expect(page.locator(`tr[data-letter="${letterId}"] th a`).innerText()).resolves.toBe(
        'Bulletin <i id="in-subject">d’impôt</i>',
      );
      await expect(page.locator('#in-subject').count()).resolves.toBe(0);
      await expectAccessible(page);
      await page.goto(`${portal}/letters/${letterId}`);
      await expect(text(page, 'h1')).resolves.toBe(
        'Courrier : Bulletin <i id="in-subject">d’impôt</i>',
      );
      await expect(page.locator('#in-subject').count()).resolves.toBe(0);
      await expect(text(page, 'main .letter-state')).resolves.toBe('Disponible');
      // No receipt was asked for: nothing to confirm.
      await expect(page.locator('form.receipt').count()).resolves.toBe(0);
      await expect(
        page.getByRole('link', { name: 'Ouvrir le document' }).getAttribute('href'),
      ).resolves.toBe(`/letters/${letterId}/content`);
      await expectAccessible(page);

      const content = await page.request.get(`${portal}/letters/${letterId}/content`);
      expect(content.status()).toBe(200);
      expect(content.headers()['content-type']).toBe('application/pdf');
      expect(content.headers()['x-content-type-options']).toBe('nosniff');
      expect(Buffer.compare(await content.body(), pdf)).toBe(0);
      await page.reload();
      await expect(text(page, 'main .letter-state')).resolves.toBe('Lu');
      await expectAccessible(page);

      // Someone else's letter is the same "not found" as no letter at all.
      const other = await p.registerPerson();
      const stranger = await p.newPage('en');
      await p.signInAsCitizen(stranger, other);
      const refused = await stranger.goto(`${portal}/letters/${letterId}`);
      expect(refused?.status()).toBe(404);
      await expectAccessible(stranger);
      const bytes = await stranger.request.get(`${portal}/letters/${letterId}/content`);
      expect(bytes.status()).toBe(404);
    });
  });

  describe('a consent revoked', () => {
    it('is granted in the page, listed, its receipt downloaded, paused, resumed and revoked; the agency is refused afterwards', async () => {
      const p = platform();
      const portal = p.url('primary', 'portal');
      const consentApi = p.url('primary', 'consent');
      const registry = p.url('primary', 'registry');
      const nationalId = await p.registerPerson({ givenNames: 'Vera', familyName: 'Consent' });
      const citizen = await p.token('citizen', nationalId, nationalId);
      const agency = await p.token('agency', 'svc-ccss', 'ccss');
      const agencyRead = async (): Promise<number> =>
        (
          await httpCall('GET', `${registry}/persons/${nationalId}`, agency, {
            headers: { 'x-purpose': PURPOSE },
            expected: [200, 403],
          })
        ).status;
      // No legal basis of ccss allows this purpose, and there is no consent yet.
      await expect(agencyRead()).resolves.toBe(403);

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      await page.goto(`${portal}/consents`);
      await expectAccessible(page);
      await follow(page, page.getByRole('link', { name: 'Give a consent' }));
      expect(new URL(page.url()).pathname).toBe('/consents/new');
      await expectAccessible(page);

      // Markup in every text field, no data chosen, no date: the service's field errors come
      // back next to the fields, and what was typed comes back as values, never as markup.
      const typed = {
        organisationId: '<b id="typed-org">ccss</b>',
        purpose: '<i id="typed-purpose">p</i>',
        procedureId: '<u id="typed-procedure">x</u>',
        maxUses: '<s id="typed-uses">3</s>',
      };
      for (const [name, value] of Object.entries(typed)) {
        await page.locator(`#field-${name}`).fill(value);
      }
      await follow(page, page.getByRole('button', { name: 'Give the consent' }));
      expect(new URL(page.url()).pathname).toBe('/consents');
      for (const [name, value] of Object.entries(typed)) {
        await expect(page.locator(`#field-${name}`).inputValue()).resolves.toBe(value);
      }
      for (const id of ['typed-org', 'typed-purpose', 'typed-procedure', 'typed-uses']) {
        await expect(page.locator(`#${id}`).count()).resolves.toBe(0);
      }
      for (const field of [
        'organisationId',
        'procedureId',
        'maxUses',
        'categories',
        'validUntil',
      ]) {
        await expect(page.locator(`#field-${field}-error`).count()).resolves.toBe(1);
      }
      await expect(page.locator('#field-organisationId-error').innerText()).resolves.toBe(
        'lower-case letters, digits and hyphens, at most 63',
      );
      await expect(page.locator('.error-summary li').count()).resolves.toBe(5);
      await expectAccessible(page);
      const none = await httpCall('GET', `${consentApi}/consents`, citizen);
      expect((none.json as { items: unknown[] }).items).toEqual([]);

      await page.locator('#field-organisationId').fill('ccss');
      await page.getByLabel('Address', { exact: true }).check();
      await page.getByLabel('Family name', { exact: true }).check();
      await page.locator('#field-purpose').fill(PURPOSE);
      await page.locator('#field-procedureId').fill('');
      await page.locator('#field-validUntil').fill(dateIn(30));
      await page.locator('#field-maxUses').fill('');
      await follow(page, page.getByRole('button', { name: 'Give the consent' }));
      const consentId = /^\/consents\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname)?.[1];
      if (consentId === undefined) throw new Error(`no consent page after granting: ${page.url()}`);
      await expect(text(page, '[role="status"]')).resolves.toBe(
        'Consent given. Its signed receipt is below.',
      );
      await expectAccessible(page);
      const artefact = async (): Promise<{ status: string; version: number; uses: number }> =>
        (await httpCall('GET', `${consentApi}/consents/${consentId}`, citizen)).json as {
          status: string;
          version: number;
          uses: number;
        };
      await expect(artefact()).resolves.toMatchObject({ status: 'ACTIVE', uses: 0 });

      // The agency reads under it: one use.
      await expect(agencyRead()).resolves.toBe(200);
      await page.goto(`${portal}/consents`);
      const row = page.locator(`tr[data-consent="${consentId}"]`);
      await expect(row.locator('th').innerText()).resolves.toBe(
        'Centre commun de la sécurité sociale',
      );
      await expect(row.locator('.consent-status').innerText()).resolves.toBe('Active');
      await expect(row.locator('td').nth(4).innerText()).resolves.toBe('1 (no limit)');
      await expectAccessible(page);
      await screenshot(page, 'consents');

      // The receipt, downloaded: exactly the JWS the consent service serves, and it verifies.
      await follow(page, row.getByRole('link'));
      const receiptLinks = page.locator('table.receipts a');
      await expect(receiptLinks.count()).resolves.toBe(1);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        receiptLinks.first().click(),
      ]);
      const downloaded = readFileSync(await download.path()).toString('utf8');
      const receipts = await httpCall(
        'GET',
        `${consentApi}/consents/${consentId}/receipts`,
        citizen,
      );
      const [given] = (receipts.json as { items: { receiptId: string; eventType: string }[] })
        .items;
      if (given === undefined) throw new Error('the grant has no receipt');
      expect(given.eventType).toBe('given');
      expect(download.suggestedFilename()).toBe(`consent-receipt-${given.receiptId}.jws`);
      const served = await fetch(
        `${consentApi}/consents/${consentId}/receipts/${given.receiptId}`,
        {
          headers: { authorization: `Bearer ${citizen}`, accept: 'application/jose' },
        },
      );
      expect(downloaded).toBe(await served.text());
      const jwks = (await (
        await fetch(`${consentApi}/.well-known/jwks.json`)
      ).json()) as JSONWebKeySet;
      const verified = await compactVerify(downloaded, createLocalJWKSet(jwks));
      expect(JSON.parse(new TextDecoder().decode(verified.payload))).toMatchObject({
        piiPrincipalId: nationalId,
        recordId: consentId,
      });

      await follow(page, page.getByRole('button', { name: 'Pause' }));
      await expect(text(page, '[role="status"]')).resolves.toBe('The consent is paused.');
      await expect(text(page, 'main .consent-status')).resolves.toBe('Paused');
      await expectAccessible(page);
      // The agency's use counted on the artefact's stream too: versions are the service's.
      const paused = await artefact();
      expect(paused).toMatchObject({ status: 'PAUSED', uses: 1 });

      // Resumed elsewhere (another device) while this page still shows it paused: the page's
      // resume carries the version it showed, the service answers 412, nothing is done twice.
      await httpCall('POST', `${consentApi}/consents/${consentId}/resume`, citizen, {
        headers: { 'if-match': `"${paused.version}"` },
      });
      await follow(page, page.getByRole('button', { name: 'Resume' }));
      await expect(text(page, '[role="alert"]')).resolves.toContain(
        'This consent changed since the page was shown',
      );
      await expect(text(page, 'main .consent-status')).resolves.toBe('Active');
      await expectAccessible(page);
      await expect(artefact()).resolves.toMatchObject({
        status: 'ACTIVE',
        version: paused.version + 1,
      });

      await follow(page, page.getByRole('button', { name: 'Pause' }));
      await expect(text(page, 'main .consent-status')).resolves.toBe('Paused');
      await follow(page, page.getByRole('button', { name: 'Resume' }));
      await expect(text(page, '[role="status"]')).resolves.toBe('The consent is active again.');
      await expect(text(page, 'main .consent-status')).resolves.toBe('Active');
      const resumed = await artefact();
      expect(resumed).toMatchObject({ status: 'ACTIVE', version: paused.version + 3 });

      // A revocation without the form's anti-forgery token is refused, and changes nothing.
      const forged = await page.request.post(`${portal}/consents/${consentId}/revoke`, {
        form: { version: String(resumed.version) },
      });
      expect(forged.status()).toBe(403);
      await expect(artefact()).resolves.toMatchObject({
        status: 'ACTIVE',
        version: resumed.version,
      });

      // Revoking asks first; "keep it" changes nothing.
      await follow(page, page.getByRole('link', { name: 'Revoke…' }));
      expect(new URL(page.url()).pathname).toBe(`/consents/${consentId}/revoke`);
      await expect(text(page, 'h1')).resolves.toBe(
        'Revoke the consent for Centre commun de la sécurité sociale?',
      );
      await expectAccessible(page);
      await follow(page, page.getByRole('link', { name: 'No, keep it' }));
      await expect(artefact()).resolves.toMatchObject({ status: 'ACTIVE' });
      await follow(page, page.getByRole('link', { name: 'Revoke…' }));
      await follow(page, page.getByRole('button', { name: 'Yes, revoke it' }));
      expect(new URL(page.url()).pathname).toBe(`/consents/${consentId}`);
      await expect(text(page, '[role="status"]')).resolves.toContain('The consent is revoked.');
      await expect(text(page, 'main .consent-status')).resolves.toBe('Revoked');
      await expect(page.locator('tr[data-event="withdrawn"]').count()).resolves.toBe(1);
      await expect(page.getByRole('button', { name: 'Pause' }).count()).resolves.toBe(0);
      await expectAccessible(page);
      await screenshot(page, 'consent');

      await expect(artefact()).resolves.toMatchObject({ status: 'REVOKED', uses: 1 });
      await expect(agencyRead()).resolves.toBe(403);
    });
  });

  describe('prefill preferences', () => {
    it('switches a source to No and back, and keeps an exception for one procedure', async () => {
      const p = platform();
      const portal = p.url('primary', 'portal');
      const consentApi = p.url('primary', 'consent');
      const nationalId = await p.registerPerson({ givenNames: 'Nils', familyName: 'Prefill' });
      const citizen = await p.token('citizen', nationalId, nationalId);
      const decision = async (procedure: string): Promise<unknown> =>
        (
          await httpCall(
            'GET',
            `${consentApi}/prefill-preferences/${nationalId}?source=persons&procedure=${procedure}`,
            citizen,
          )
        ).json;

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      await page.goto(`${portal}/prefill`);
      const persons = page.locator('li[data-source="persons"]');
      await expect(persons.locator('.current-preference').innerText()).resolves.toBe(
        'Now: Yes (you have not chosen)',
      );
      await expectAccessible(page);

      await persons.getByLabel('No', { exact: true }).check();
      await follow(page, persons.getByRole('button'));
      await expect(text(page, '[role="status"]')).resolves.toBe('Saved.');
      await expect(persons.locator('.current-preference').innerText()).resolves.toBe('Now: No');
      await expectAccessible(page);
      await expect(decision('allocation-familiale')).resolves.toMatchObject({
        prefill: false,
        rule: 'source',
      });

      // Markup as a procedure: the service's field error, next to the field; the value escaped.
      await page.locator('#field-procedureId').fill('<b id="typed-procedure">x</b>');
      await follow(page, page.getByRole('button', { name: 'Save the exception' }));
      await expect(page.locator('#field-procedureId-error').innerText()).resolves.toBe(
        'lower-case letters, digits and hyphens, at most 63',
      );
      await expect(page.locator('#field-procedureId').inputValue()).resolves.toBe(
        '<b id="typed-procedure">x</b>',
      );
      await expect(page.locator('#typed-procedure').count()).resolves.toBe(0);
      await expectAccessible(page);

      await page.locator('#field-procedureId').fill('allocation-familiale');
      await page.locator('#field-preference').getByLabel('Yes', { exact: true }).check();
      await follow(page, page.getByRole('button', { name: 'Save the exception' }));
      const exception = page.locator('tr[data-procedure="allocation-familiale"]');
      await expect(exception.locator('td').nth(1).innerText()).resolves.toBe('Yes');
      await expectAccessible(page);
      await expect(decision('allocation-familiale')).resolves.toMatchObject({
        prefill: true,
        rule: 'procedure',
      });
      await screenshot(page, 'prefill');

      await follow(page, exception.getByRole('button'));
      await expect(text(page, '[role="status"]')).resolves.toBe(
        'The exception is removed: the source’s answer applies again.',
      );
      await expect(exception.count()).resolves.toBe(0);
      await expect(decision('allocation-familiale')).resolves.toMatchObject({ prefill: false });

      await persons.getByLabel('Yes', { exact: true }).check();
      await follow(page, persons.getByRole('button'));
      await expect(persons.locator('.current-preference').innerText()).resolves.toBe('Now: Yes');
      await expectAccessible(page);
      await expect(decision('allocation-familiale')).resolves.toMatchObject({
        prefill: true,
        rule: 'source',
      });

      // A change posted without the anti-forgery token is refused and changes nothing.
      const forged = await page.request.post(`${portal}/prefill/sources/persons`, {
        form: { preference: 'NEVER' },
      });
      expect(forged.status()).toBe(403);
      await expect(decision('allocation-familiale')).resolves.toMatchObject({ prefill: true });
    });
  });
}
