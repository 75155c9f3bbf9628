// "Who accessed my data": agencies read a person's record through the registry's API, the
// entries reach the audit log through Kafka, and the person's browser verifies each entry's
// inclusion proof against the audit service's signed tree head; a tampered entry does not. The
// person's registration, delivered on the agency feeds of ccss and cae, is there too.
import type { Page } from 'playwright-core';

import { httpCall } from '../../scripts/lib/drill-client';
import type { PortalPlatform } from '../lib/portal-platform';
import { expectAccessible, screenshot } from '../lib/browser';

interface AccessLogAnswer {
  readonly entries: readonly { readonly leaf: { readonly organisationId: string } }[];
}

/** An agency's read of the person's record, with its purpose and legal basis. */
async function agencyReads(
  p: PortalPlatform,
  nationalId: string,
  organisation: string,
  purpose: string,
  legalBasis: string,
): Promise<void> {
  const token = await p.token('agency', `svc-${organisation}`, organisation);
  await httpCall('GET', `${p.url('primary', 'registry')}/persons/${nationalId}`, token, {
    headers: { 'x-purpose': purpose, 'x-legal-basis': legalBasis },
  });
}

/** Waits until the audit log shows the person `count` entries (fed through Kafka, then signed). */
async function entriesAppear(p: PortalPlatform, nationalId: string, count: number): Promise<void> {
  const citizen = await p.token('citizen', nationalId);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { json } = await httpCall('GET', `${p.url('primary', 'audit')}/access-log/me`, citizen);
    if ((json as AccessLogAnswer).entries.length >= count) return;
    if (Date.now() > deadline) {
      throw new Error(`the audit log did not show ${count} entries for ${nationalId} in 90 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Waits until the browser has written the summary's verdict. */
async function verified(page: Page): Promise<void> {
  await page.locator('[data-verify-summary]:not([data-verdict=""])').waitFor({ timeout: 15_000 });
}

const VERIFIED = /^Proof verified against the signed tree head of \d+ entries$/;

export function accessLogScenarios(platform: () => PortalPlatform): void {
  describe('who accessed my data', () => {
    it('shows agencies’ reads newest first, each proof verified in the browser, and finds a tampered one', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Marie', familyName: 'Kieffer' });
      // The registration delivered on the feeds of ccss and cae: two entries, before the reads.
      await entriesAppear(p, nationalId, 2);
      await agencyReads(
        p,
        nationalId,
        'ccss',
        'family-allowance-eligibility',
        'ccss-family-allowances',
      );
      await agencyReads(
        p,
        nationalId,
        'adem',
        'job-seeker-registration',
        'adem-job-seeker-registration',
      );
      await entriesAppear(p, nationalId, 4);

      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      const portal = p.url('primary', 'portal');
      await page.goto(`${portal}/access-log`);
      await verified(page);
      await expect(page.locator('h1').textContent()).resolves.toBe('Who accessed my data');

      const entries = page.locator('.access-entry');
      await expect(entries.count()).resolves.toBe(4);
      const newest = entries.nth(0);
      const oldest = entries.nth(1);
      // The deliveries: to each agency, under its feed's basis, the fields it received.
      const deliveries = [entries.nth(2), entries.nth(3)];
      const delivered: string[] = [];
      for (const delivery of deliveries) {
        await expect(delivery.locator('[data-member="purpose"]').textContent()).resolves.toBe(
          'change-feed',
        );
        delivered.push(
          ((await delivery.locator('h2').textContent()) ?? '').trim().split(',')[0] ?? '',
        );
      }
      expect(delivered.sort()).toEqual(['cae', 'ccss']);
      await expect(newest.locator('h2').textContent()).resolves.toMatch(/^\s*adem,/);
      await expect(newest.locator('[data-member="purpose"]').textContent()).resolves.toBe(
        'job-seeker-registration',
      );
      await expect(newest.locator('[data-member="legalBasis"]').textContent()).resolves.toBe(
        'Code du travail, art. L. 622-4',
      );
      await expect(oldest.locator('h2').textContent()).resolves.toMatch(/^\s*ccss,/);
      await expect(oldest.locator('[data-member="purpose"]').textContent()).resolves.toBe(
        'family-allowance-eligibility',
      );
      await expect(oldest.locator('[data-member="legalBasis"]').textContent()).resolves.toBe(
        'Code de la sécurité sociale, art. 269',
      );
      await expect(
        oldest.locator('[data-member="fields"] li').allTextContents(),
      ).resolves.toContain('Family name');
      for (const verdict of await page.locator('.access-entry [data-verdict]').all()) {
        await expect(verdict.getAttribute('data-verdict')).resolves.toBe('verified');
        await expect(verdict.getAttribute('role')).resolves.toBe('status');
        await expect(verdict.textContent()).resolves.toMatch(VERIFIED);
      }
      await expect(page.locator('[data-verify-summary]').textContent()).resolves.toMatch(
        /^All 4 entries of this page verified against the signed tree head of \d+ entries\.$/,
      );
      await expectAccessible(page);
      await screenshot(page, 'access-log');

      // The person's export and the key, for the offline verifier.
      const exported = await page.request.get(`${portal}/access-log/export`);
      expect(exported.status()).toBe(200);
      expect(exported.headers()['content-disposition']).toBe(
        'attachment; filename="my-access-log.json"',
      );
      const document = (await exported.json()) as { format: string; entries: unknown[] };
      expect(document.format).toBe('gov.audit.v1.export');
      expect(document.entries).toHaveLength(4);
      const keys = (await (await page.request.get(`${portal}/access-log/keys`)).json()) as {
        keys: { kid: string }[];
      };
      await expect(page.locator('.tree-head').textContent()).resolves.toContain(
        keys.keys[0]?.kid ?? 'no key',
      );

      // A portal (or anything between) that changes an entry: the same purpose changed in the
      // entry's data and in what the page shows. The browser's check finds it.
      await page.route(`${portal}/access-log`, async (route) => {
        const response = await route.fetch();
        const body = (await response.text()).replaceAll('job-seeker-registration', 'marketing');
        await route.fulfill({ response, body });
      });
      await page.goto(`${portal}/access-log`);
      await verified(page);
      await expect(newest.locator('[data-member="purpose"]').textContent()).resolves.toBe(
        'marketing',
      );
      await expect(newest.locator('[data-verdict]').getAttribute('data-verdict')).resolves.toBe(
        'failed',
      );
      await expect(newest.locator('[data-verdict]').textContent()).resolves.toBe(
        'Proof does NOT verify: the entry as shown is not the one in the signed log',
      );
      await expect(oldest.locator('[data-verdict]').textContent()).resolves.toMatch(VERIFIED);
      await expect(page.locator('[data-verify-summary]').textContent()).resolves.toBe(
        '1 of the 4 entries of this page do NOT verify.',
      );
      await expectAccessible(page);
      await page.unroute(`${portal}/access-log`);

      // A cursor that is not one of the audit service's shows the newest entries, escaped.
      await page.goto(`${portal}/access-log?cursor=${encodeURIComponent('<b id="typed">1</b>')}`);
      await verified(page);
      await expect(entries.count()).resolves.toBe(4);
      await expect(page.locator('#typed').count()).resolves.toBe(0);
    });

    it('says “Verifying…” until the script has run, and without JavaScript how to verify offline', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Paul', familyName: 'Wagner' });
      await agencyReads(
        p,
        nationalId,
        'ccss',
        'family-allowance-eligibility',
        'ccss-family-allowances',
      );
      await entriesAppear(p, nationalId, 1);
      const page = await p.newPage('en');
      await p.signInAsCitizen(page, nationalId);
      const portal = p.url('primary', 'portal');
      // The newest entry: the read (the registration's deliveries to ccss and cae are older).
      const verdict = page.locator('.access-entry [data-verdict]').first();

      // Until the verifier has run (here: never, its file does not arrive), nothing is claimed.
      await page.route(`${portal}/assets/verify-proofs.js`, (route) => route.abort());
      await page.goto(`${portal}/access-log`);
      await expect(verdict.innerText()).resolves.toBe('Verifying…');
      await expect(page.locator('[data-verify-summary]').innerText()).resolves.toBe(
        'Verifying the proofs of the entries of this page…',
      );
      await expectAccessible(page);
      await page.unroute(`${portal}/assets/verify-proofs.js`);

      // Without JavaScript (switched off for the page, as a browser setting does).
      const devtools = await page.context().newCDPSession(page);
      await devtools.send('Emulation.setScriptExecutionDisabled', { value: true });
      await page.goto(`${portal}/access-log`);
      await expect(verdict.getAttribute('data-verdict')).resolves.toBe('');
      await expect(verdict.innerText()).resolves.toBe(
        'Your browser verifies each entry’s proof with JavaScript, which is switched off here. Verify them offline instead.',
      );
      await expect(
        verdict.getByRole('link', { name: 'Verify them offline instead' }).getAttribute('href'),
      ).resolves.toBe('#verify-offline');
      await expect(page.locator('#verify-offline code').textContent()).resolves.toContain(
        'npm run audit:verify',
      );
      // axe-core runs as a script: switched back on, it checks the page as it was built without.
      await devtools.send('Emulation.setScriptExecutionDisabled', { value: false });
      await expectAccessible(page);
    });
  });
}
