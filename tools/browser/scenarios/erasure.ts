// An erased person: the registrar erases them through the registry's API while they are signed
// in; their "My data" pages then show "Data erased" (the registry's 410) in their language,
// pass the accessibility check, and offer no correction: there is nothing left to correct.
import { randomUUID } from 'node:crypto';

import type { Page } from 'playwright-core';

import { httpCall } from '../../scripts/lib/drill-client';
import type { PortalPlatform } from '../lib/portal-platform';
import { expectAccessible } from '../lib/browser';

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** The ways to ask for a correction inside the page's content (the menu is not the page). */
const correctionActions = (page: Page) =>
  page.locator('main a[href^="/corrections"], main form, main button').count();

export function erasureScenarios(platform: () => PortalPlatform): void {
  describe('an erased person', () => {
    it('sees “Data erased” in their language, accessible, with no correction to ask for', async () => {
      const p = platform();
      const portal = p.url('primary', 'portal');
      const nationalId = await p.registerPerson({ givenNames: 'Lina', familyName: 'Weber' });
      const pages = { fr: await p.newPage('fr'), de: await p.newPage('de') };
      for (const page of Object.values(pages)) await p.signInAsCitizen(page, nationalId);

      // Before: the record, and the way to ask for its correction.
      const before = await pages.fr.goto(`${portal}/my-data`);
      expect(before?.status()).toBe(200);
      expect(await text(pages.fr, 'dl.record')).toContain('Weber');
      await expect(
        pages.fr.getByRole('link', { name: 'Demander une rectification' }).count(),
      ).resolves.toBe(1);

      const registrar = await p.token('registrar', 'browser-registrar');
      await httpCall(
        'POST',
        `${p.url('primary', 'registry')}/persons/${nationalId}/erasure`,
        registrar,
        {
          body: { legalGround: 'Art. 17(1)(a) RGPD, décision 2026-042' },
          expected: [200],
          idempotencyKey: randomUUID(),
        },
      );

      const expected = {
        fr: {
          title: 'Données effacées',
          body: 'Les données personnelles de cette fiche ont été effacées sur une base légale.',
        },
        de: {
          title: 'Daten gelöscht',
          body: 'Die personenbezogenen Daten dieses Eintrags wurden auf gesetzlicher Grundlage gelöscht.',
        },
      } as const;
      for (const [language, page] of Object.entries(pages) as [keyof typeof pages, Page][]) {
        for (const path of ['/my-data', '/my-data/history']) {
          const answer = await page.goto(`${portal}${path}`);
          expect(answer?.status()).toBe(410);
          await expect(page.locator('html').getAttribute('lang')).resolves.toBe(language);
          await expect(page.locator('h1').textContent()).resolves.toBe(expected[language].title);
          expect(await text(page, 'main')).toContain(expected[language].body);
          // Nothing of the record, and nothing to correct.
          await expect(page.locator('dl.record').count()).resolves.toBe(0);
          expect(await text(page, 'main')).not.toContain('Weber');
          await expect(correctionActions(page)).resolves.toBe(0);
          await expectAccessible(page);
        }
      }
    });
  });
}
