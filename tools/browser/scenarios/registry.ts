// My data, Corrections and My businesses: the person's record in the registry, its history and
// an earlier state; a correction asked through the form and decided by a registrar through the
// API; the businesses a person manages, with their managers and letters.
import { randomUUID } from 'node:crypto';

import type { Page } from 'playwright-core';

import { httpCall } from '../../scripts/lib/drill-client';
import type { PortalPlatform } from '../lib/portal-platform';
import { expectAccessible, screenshot } from '../lib/browser';

const ESCH = {
  street: 'Rue de l’Alzette',
  houseNumber: '40',
  postcode: '4011',
  locality: 'Esch-sur-Alzette',
  country: 'LU',
};

/** The date and the time of day on Luxembourg's clock at `instant` (`YYYY-MM-DD`, `HH:MM:SS`). */
function luxembourgClock(instant: Date): { date: string; time: string } {
  const zone = { timeZone: 'Europe/Luxembourg' } as const;
  return {
    date: new Intl.DateTimeFormat('en-CA', zone).format(instant),
    time: new Intl.DateTimeFormat('en-GB', {
      ...zone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(instant),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

export function registryScenarios(platform: () => PortalPlatform): void {
  describe('my data', () => {
    it('shows the record, its history, and the record as of a moment before a change of address', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Mady', familyName: 'Kieffer' });
      await sleep(1_500);
      const before = luxembourgClock(new Date());
      await sleep(1_500);
      // A registrar records a move through the API.
      const registrar = await p.token('registrar', 'browser-registrar');
      await httpCall(
        'PUT',
        `${p.url('primary', 'registry')}/persons/${nationalId}/address`,
        registrar,
        {
          body: { address: ESCH },
          idempotencyKey: randomUUID(),
        },
      );

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      const portal = p.url('primary', 'portal');
      await page.goto(`${portal}/my-data`);
      await expect(page.locator('h1').textContent()).resolves.toBe('My data');
      const record = await text(page, 'dl.record');
      expect(record).toContain(nationalId);
      expect(record).toContain('Mady');
      expect(record).toContain('Kieffer');
      expect(record).toContain('Rue de l’Alzette 40, 4011 Esch-sur-Alzette, Luxembourg');
      expect(record).toMatch(/Version\s*2/);
      await expectAccessible(page);
      await screenshot(page, 'my-data');

      await page.getByRole('link', { name: 'Every change of my record' }).click();
      await page.waitForURL((url) => url.pathname === '/my-data/history');
      const rows = page.locator('table tbody tr');
      await expect(rows.count()).resolves.toBe(2);
      expect(await text(page, 'table tbody tr:nth-child(1)')).toContain('Registration');
      const move = await text(page, 'table tbody tr:nth-child(2)');
      expect(move).toContain('Change of address');
      expect(move).toContain('Address');
      expect(move).toContain('Esch-sur-Alzette');
      expect(move).toContain('Registrar browser-registrar');
      await expectAccessible(page);
      await screenshot(page, 'my-data-history');

      // As of a moment between the registration and the move: the old address.
      await page.goto(`${portal}/my-data`);
      await page.locator('#field-asOf').fill(before.date);
      await page.locator('#field-asOfTime').fill(before.time);
      await page.getByRole('button', { name: 'Show my record on that date' }).click();
      await page.waitForURL((url) => url.searchParams.get('asOf') === before.date);
      const earlier = await text(page, 'dl.record');
      expect(earlier).not.toContain('Esch-sur-Alzette');
      expect(earlier).toMatch(/Version\s*1/);
      expect(await text(page, 'p.notice')).toContain(`at ${before.time}, Luxembourg time`);
      await expectAccessible(page);

      // Before the registration: a message, not an error page.
      const response = await page.goto(`${portal}/my-data?asOf=2001-01-01`);
      expect(response?.status()).toBe(200);
      expect(await text(page, 'p.notice')).toContain('There was no record of you in the register');
      await expectAccessible(page);
      // A date that does not exist: said next to the field.
      const invalid = await page.goto(`${portal}/my-data?asOf=2026-02-30`);
      expect(invalid?.status()).toBe(400);
      expect(await text(page, '#field-asOf-error')).toContain('Enter a real date');
      await expectAccessible(page);
    });
  });

  describe('a correction', () => {
    it('is asked through the form, escaped and checked, accepted by a registrar, and shows to whom it was sent', async () => {
      const p = platform();
      const registry = p.url('primary', 'registry');
      const nationalId = await p.registerPerson({ givenNames: 'Tom', familyName: 'Schmitt' });
      // ccss reads the record (the family name among it) before the correction.
      const ccss = await p.token('agency', 'svc-ccss', 'ccss');
      await httpCall('GET', `${registry}/persons/${nationalId}`, ccss, {
        headers: { 'x-purpose': 'family-allowance-eligibility' },
      });
      await sleep(50);

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      const portal = p.url('primary', 'portal');
      await page.goto(`${portal}/corrections`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Corrections');
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Ask for a correction' }).click();
      await page.waitForURL((url) => url.pathname === '/corrections/new');
      await expectAccessible(page);

      // A refused value: the registry's error next to the field, everything typed escaped.
      await page.getByLabel('Field to correct').selectOption('sex');
      await page.locator('#field-value').fill('<b id="typed-value">Q</b>');
      await page.locator('#field-justification').fill('<img id="typed-why" src="x">Because');
      await page.getByRole('button', { name: 'Send my request' }).click();
      await page.waitForLoadState();
      expect(await text(page, '#field-value-error')).toContain('expected one of');
      await expect(page.locator('#field-value').getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(page.locator('#field-value').inputValue()).resolves.toBe(
        '<b id="typed-value">Q</b>',
      );
      await expect(page.locator('#field-justification').inputValue()).resolves.toBe(
        '<img id="typed-why" src="x">Because',
      );
      await expect(page.locator('#typed-value, #typed-why').count()).resolves.toBe(0);
      await expectAccessible(page);

      // The same form without its anti-forgery token: refused, nothing asked.
      const key = await page.locator('input[name="idempotencyKey"]').inputValue();
      const forged = await page.request.post(`${portal}/corrections/new`, {
        form: { field: 'familyName', value: 'Schmit', justification: 'x', idempotencyKey: key },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);

      // Corrected and sent twice (a double click, the same form): one request.
      const why = '<b id="typed-why">Birth certificate</b> of 1983';
      await page.getByLabel('Field to correct').selectOption('familyName');
      await page.locator('#field-value').fill('Schmit');
      await page.locator('#field-justification').fill(why);
      const hidden = {
        _csrf: await page
          .locator('form[action="/corrections/new"] input[name="_csrf"]')
          .inputValue(),
        idempotencyKey: await page.locator('input[name="idempotencyKey"]').inputValue(),
      };
      const first = await page.request.post(`${portal}/corrections/new`, {
        form: { ...hidden, field: 'familyName', value: 'Schmit', justification: why },
        maxRedirects: 0,
      });
      expect(first.status()).toBe(303);
      await page.getByRole('button', { name: 'Send my request' }).click();
      await page.waitForURL((url) => /^\/corrections\/[0-9a-f-]{36}$/.test(url.pathname));
      expect(`${new URL(page.url()).pathname}?created=1`).toBe(first.headers()['location']);
      const correctionId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
      const citizen = await p.token('citizen', nationalId);
      const listed = await httpCall('GET', `${registry}/corrections`, citizen);
      expect((listed.json as { items: unknown[] }).items).toHaveLength(1);

      expect(await text(page, '[role="status"]')).toContain('Your request was sent');
      expect(await text(page, '#correction-status')).toBe('Waiting for a decision');
      // What was typed is shown as text, never as markup.
      const detail = await text(page, 'dl.record');
      expect(detail).toContain('Family name');
      expect(detail).toContain(why);
      await expect(page.locator('#typed-why').count()).resolves.toBe(0);
      await expectAccessible(page);

      // A registrar with their own national identification number accepts it through the API.
      const registrarPerson = await p.registerPerson({ givenNames: 'Ada', familyName: 'Clerk' });
      const registrar = await p.token('registrar', 'browser-clerk', registrarPerson);
      await httpCall('POST', `${registry}/corrections/${correctionId}/accept`, registrar, {
        idempotencyKey: randomUUID(),
      });
      for (let attempt = 0; attempt < 50; attempt++) {
        await page.reload();
        if ((await page.locator('table').count()) > 0) break;
        await sleep(200);
      }
      expect(await text(page, '#correction-status')).toBe('Accepted');
      const sent = await text(page, 'section[aria-labelledby="communication-title"] table');
      expect(sent).toContain('ccss');
      expect(sent).toContain('family-allowance-eligibility');
      await expectAccessible(page);
      await screenshot(page, 'correction');
      const corrected = await httpCall('GET', `${registry}/persons/${nationalId}`, citizen);
      expect(corrected.json).toMatchObject({ familyName: 'Schmit' });

      await page.goto(`${portal}/corrections`);
      expect(await text(page, 'table tbody')).toContain('Accepted');
      await expectAccessible(page);
    });
  });

  describe('my businesses', () => {
    it('shows a manager their business, its managers and a letter to it; not a stranger', async () => {
      const p = platform();
      const registry = p.url('primary', 'registry');
      const manager = await p.registerPerson({ givenNames: 'Nora', familyName: 'Thill' });
      const director = await p.registerPerson({ givenNames: 'Paul', familyName: 'Wagner' });
      const stranger = await p.registerPerson({ givenNames: 'Eva', familyName: 'Hoffmann' });
      const registrar = await p.token('registrar', 'browser-registrar');
      const created = await httpCall('POST', `${registry}/businesses`, registrar, {
        body: {
          name: 'Thill & Wagner <Sàrl>',
          legalForm: 'SARL',
          registeredAddress: ESCH,
          managers: [
            { nationalId: manager, role: 'manager' },
            { nationalId: director, role: 'director' },
          ],
        },
        expected: [201],
        idempotencyKey: randomUUID(),
      });
      const businessNumber = (created.json as { businessNumber: string }).businessNumber;
      const ccss = await p.token('agency', 'svc-ccss', 'ccss');
      await httpCall('POST', `${p.url('primary', 'letterbox')}/letters`, ccss, {
        body: {
          recipient: { kind: 'business', id: businessNumber },
          subject: 'Avis de cotisation 2026',
          contentType: 'text/plain',
          content: Buffer.from('Madame, Monsieur,\n').toString('base64'),
          retentionDays: 3650,
        },
        expected: [201],
        idempotencyKey: randomUUID(),
      });

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, manager);
      const portal = p.url('primary', 'portal');
      // The list comes from the registry's read model, a moment behind its log.
      for (let attempt = 0; attempt < 50; attempt++) {
        await page.goto(`${portal}/businesses`);
        if ((await page.locator('table').count()) > 0) break;
        await sleep(200);
      }
      const row = await text(page, 'table tbody tr');
      expect(row).toContain('Thill & Wagner <Sàrl>');
      expect(row).toContain(businessNumber);
      expect(row).toContain('Manager');
      await expectAccessible(page);

      await page.getByRole('link', { name: 'Thill & Wagner <Sàrl>' }).click();
      await page.waitForURL((url) => url.pathname === `/businesses/${businessNumber}`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Thill & Wagner <Sàrl>');
      expect(await text(page, 'dl.record')).toContain('Esch-sur-Alzette');
      const managers = await text(page, 'section[aria-labelledby="managers-title"] tbody');
      expect(managers).toContain(`${manager} (you)`);
      expect(managers).toContain(director);
      expect(managers).toContain('Director');
      expect(await text(page, 'section[aria-labelledby="letters-title"] tbody')).toContain(
        'Avis de cotisation 2026',
      );
      expect(await text(page, 'section[aria-labelledby="procedures-title"]')).toContain(
        'You have not started any procedure for this business.',
      );
      await expectAccessible(page);
      await screenshot(page, 'business');

      const other = await p.newPage('en');
      await p.signInAsCitizen(other, stranger);
      const refused = await other.goto(`${portal}/businesses/${businessNumber}`);
      expect(refused?.status()).toBe(403);
      await expect(other.locator('h1').textContent()).resolves.toBe('Not allowed');
      await expect(other.getByText('Avis de cotisation 2026').count()).resolves.toBe(0);
      await expectAccessible(other);
      await other.goto(`${portal}/businesses`);
      expect(await text(other, 'main')).toContain(
        'The register does not name you as a manager of any business.',
      );
      await expectAccessible(other);
    });
  });
}
