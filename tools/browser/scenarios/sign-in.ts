// Signing in and out, languages, and what an ended session or a bad value does.
import { nationalId as composeNationalId } from '../../bench/lib/synthetic-register';
import { seedDemoData } from '../../scripts/lib/demo-data';
import { AUDIENCE, ISSUER } from '../../scripts/lib/two-sites';
import type { PortalPlatform } from '../lib/portal-platform';
import { expectAccessible, screenshot } from '../lib/browser';

export function signInScenarios(platform: () => PortalPlatform): void {
  describe('signing in', () => {
    it('offers the demo identities npm start seeds; one click signs in, twice seeds nothing more', async () => {
      const p = platform();
      const [anna] = p.demo.identities;
      if (anna?.role !== 'citizen') throw new Error('the first demo identity is not a person');
      const page = await p.newPage('en');
      await page.goto(`${p.url('primary', 'portal')}/sign-in`);
      await expectAccessible(page);
      await page.getByRole('button', { name: `Sign in as ${anna.name}` }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await expect(page.locator('h1').textContent()).resolves.toBe(`Welcome, ${anna.name}`);
      // A second start finds the seeded person and keeps the same identities.
      const again = await seedDemoData(
        {
          registry: p.url('primary', 'registry'),
          letterbox: p.url('primary', 'letterbox'),
          consent: p.url('primary', 'consent'),
        },
        { privateKeyFile: p.sites.keys.privateKeyFile, issuer: ISSUER, audience: AUDIENCE },
        p.sites.demoFile,
        () => undefined,
      );
      expect(again).toEqual(p.demo);
    });

    it('sends a person without a session to the sign-in page, and back where they were going', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Clara', familyName: 'Reding' });
      const page = await p.newPage('en');
      await page.goto(`${p.url('primary', 'portal')}/`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      expect(new URL(page.url()).searchParams.get('next')).toBe('/');
      await screenshot(page, 'sign-in');
      await p.signInAsCitizen(page, nationalId);
      expect(new URL(page.url()).pathname).toBe('/');
      await expect(page.locator('h1').textContent()).resolves.toBe('Welcome, Clara Reding');
      await expectAccessible(page);
      await screenshot(page, 'overview');
    });

    it('shows a refused number next to its field, escaped, and changes nothing', async () => {
      const p = platform();
      const page = await p.newPage('en');
      await page.goto(`${p.url('primary', 'portal')}/sign-in`);
      const field = page.locator('#field-nationalId');
      await field.fill('<b id="typed">12</b>');
      await page.locator('section[aria-labelledby="citizen-title"] button[type="submit"]').click();
      await page.waitForLoadState();
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await expect(page.locator('#field-nationalId-error').textContent()).resolves.toBe(
        'Enter the 13 digits of a national identification number.',
      );
      await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
      // What was typed comes back as the field's value, never as markup.
      await expect(field.inputValue()).resolves.toBe('<b id="typed">12</b>');
      await expect(page.locator('#typed').count()).resolves.toBe(0);
      await expect(page.locator('.error-summary a').textContent()).resolves.toContain(
        'National identification number',
      );
      await expectAccessible(page);

      // Well-formed, check digits right, but nobody was registered under it.
      await field.fill(composeNationalId('1900-01-01', 999));
      await page.locator('section[aria-labelledby="citizen-title"] button[type="submit"]').click();
      await page.waitForLoadState();
      await expect(page.locator('#field-nationalId-error').textContent()).resolves.toBe(
        'The register of natural persons has no one with this number.',
      );
      const cookies = await page.context().cookies();
      expect(cookies.map((c) => c.name)).not.toContain('portal_session');
    });

    it('speaks French and German when chosen, and remembers the choice', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Jean', familyName: 'Muller' });
      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      await page.getByRole('link', { name: 'Français' }).click();
      await page.waitForLoadState();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
      await expect(page.locator('h1').textContent()).resolves.toBe('Bienvenue, Jean Muller');
      await expectAccessible(page);
      await page.getByRole('link', { name: 'Deutsch' }).click();
      await page.waitForLoadState();
      await expect(page.locator('h1').textContent()).resolves.toBe('Willkommen, Jean Muller');
      await page.goto(`${p.url('primary', 'portal')}/`);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('de');
      await expectAccessible(page);
    });

    it('ends a session: an altered or ended cookie, and signing out, lead back to sign-in', async () => {
      const p = platform();
      const nationalId = await p.registerPerson();
      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      const portal = p.url('primary', 'portal');
      const [session] = (await page.context().cookies()).filter((c) => c.name === 'portal_session');
      if (session === undefined) throw new Error('no session cookie after signing in');
      expect(session.httpOnly).toBe(true);
      expect(session.sameSite).toBe('Lax');
      await page.context().addCookies([{ ...session, value: `${session.value.slice(0, -4)}AAAA` }]);
      await page.goto(`${portal}/`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await expect(page.locator('.notice').textContent()).resolves.toBe(
        'Your session has ended. Sign in again to continue.',
      );
      await expectAccessible(page);

      await p.signInAsCitizen(page, nationalId);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.pathname === '/sign-in');
      await page.goto(`${portal}/`);
      expect(new URL(page.url()).pathname).toBe('/sign-in');
    });
  });
}
