// The operator console: both sites' roles and the lag chart, what a citizen and a forged form
// get, the last drill's report, and a planned failover to the embassy clicked through the
// console. Runs last in the spec: after it, the embassy is the primary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { repoRoot } from '@gov/platform-infra';

import { registerPersonBody } from '../../bench/lib/persons';
import { httpCall } from '../../scripts/lib/drill-client';
import { drillReport, writeDrillReport } from '../../scripts/lib/drill-report';
import type { DrillReport } from '../../scripts/lib/drill-report';
import type { SiteName } from '../../scripts/lib/local-platform';
import { serviceDeclarations } from '../../scripts/lib/services';
import type { PortalPlatform } from '../lib/portal-platform';
import { expectAccessible, screenshot } from '../lib/browser';

/** Every service the console fences and promotes: those with an event store. */
const replicated = (): string[] =>
  serviceDeclarations()
    .filter((s) => s.eventStore !== undefined)
    .map((s) => s.name);

async function roleOf(p: PortalPlatform, site: SiteName, service: string): Promise<string> {
  const { json } = await httpCall(
    'GET',
    `${p.url(site, service)}/replication/status`,
    await p.token('operator', 'browser-console-check'),
  );
  return (json as { role: string }).role;
}

/** The role cell of a service on a site, as the console shows it. */
const roleCell = (page: Page, service: string, site: SiteName) =>
  page.locator(`section[aria-labelledby="service-${service}"] tr[data-site="${site}"] td.role`);

export function consoleScenarios(platform: () => PortalPlatform): void {
  describe('the operator console', () => {
    it('shows an operator both sites’ roles, the lag chart with its table, checkpoints and alarms', async () => {
      const p = platform();
      const page = await p.newPage('en');
      await p.signInAsOperator(page, 'ops-console');
      // An operator's home is the console.
      expect(new URL(page.url()).pathname).toBe('/console');
      await expect(page.locator('h1').textContent()).resolves.toBe('Operator console');
      for (const service of replicated()) {
        await expect(roleCell(page, service, 'primary').textContent()).resolves.toBe('primary');
        await expect(roleCell(page, service, 'embassy').textContent()).resolves.toBe('replica');
      }
      // The chart: an image named by its caption and summary, a line once embassy-sync has
      // samples; console.js redraws it from /console/status.json.
      const chart = page.locator('svg[data-chart="registry"]');
      await expect(chart.getAttribute('role')).resolves.toBe('img');
      await expect(chart.getAttribute('aria-labelledby')).resolves.toBe(
        'service-registry-caption service-registry-now service-registry-window',
      );
      // (Selectors, not a function run in the page: the CSP allows no eval.)
      await page.locator('html[data-refreshed]').waitFor({ state: 'attached', timeout: 30_000 });
      await page
        .locator('svg[data-chart="registry"] path[data-line][d^="M"]')
        .waitFor({ state: 'attached', timeout: 30_000 });
      await expect(page.locator('#service-registry-now').textContent()).resolves.toMatch(
        /^Now: \d+ event\(s\) behind, \d+ ms\./,
      );
      await page.locator('section[aria-labelledby="service-registry"] summary').click();
      const samples = page.locator('tbody[data-rows="registry/samples"] tr');
      expect(await samples.count()).toBeGreaterThan(0);
      await expect(samples.first().locator('th').getAttribute('scope')).resolves.toBe('row');
      await expect(page.locator('.alarm-state').textContent()).resolves.toMatch(
        /^(No alarm|\d+ alarm)/,
      );
      await expect(
        page
          .locator('section[aria-labelledby="service-registry"] dl.record dt')
          .first()
          .textContent(),
      ).resolves.toBe('Last verified');
      await expectAccessible(page);
      await screenshot(page, 'console');

      // The same console in French.
      await page.getByRole('link', { name: 'Français' }).click();
      await page.waitForLoadState();
      await expect(page.locator('h1').textContent()).resolves.toBe('Console d’exploitation');
      await expect(roleCell(page, 'registry', 'embassy').textContent()).resolves.toBe('réplique');
      await expectAccessible(page);
    });

    it('refuses the console to a citizen, and a fence without the anti-forgery token', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Lea', familyName: 'Wagner' });
      const citizen = await p.newPage('en');
      await p.signInAsCitizen(citizen, nationalId);
      const refused = await citizen.goto(`${p.url('primary', 'portal')}/console`);
      expect(refused?.status()).toBe(403);
      await expect(citizen.locator('h1').textContent()).resolves.toBe('Not allowed');
      await expectAccessible(citizen);

      const operator = await p.newPage('en');
      await p.signInAsOperator(operator, 'ops-forged');
      const form = { service: 'registry', site: 'primary', action: 'fence', reason: 'forged' };
      const withoutToken = await operator.request.post(
        `${p.url('primary', 'portal')}/console/action`,
        { form, maxRedirects: 0 },
      );
      expect(withoutToken.status()).toBe(403);
      const wrongToken = await operator.request.post(
        `${p.url('primary', 'portal')}/console/action`,
        { form: { ...form, _csrf: 'not-the-session-token' }, maxRedirects: 0 },
      );
      expect(wrongToken.status()).toBe(403);
      const failover = await operator.request.post(
        `${p.url('primary', 'portal')}/console/failover`,
        { form: { reason: 'forged' }, maxRedirects: 0 },
      );
      expect(failover.status()).toBe(403);
      for (const service of replicated()) {
        await expect(roleOf(p, 'primary', service)).resolves.toBe('primary');
      }
    });

    it('shows the last drill’s report, from the file the drill writes', async () => {
      const p = platform();
      const page = await p.newPage('en');
      await p.signInAsOperator(page, 'ops-drill');
      const drillPage = `${p.url('primary', 'portal')}/console/drill`;
      await page.goto(drillPage);
      await expect(page.locator('main .notice').textContent()).resolves.toBe(
        'No drill has reported yet. Run “npm run drill”: its report appears here.',
      );
      await expectAccessible(page);

      // A report in the drill's format (the fixture's figures are a sample; `npm run drill`
      // writes real ones), through the drill's own report function, into the file the portal
      // was given (PORTAL_DRILL_REPORT_FILE).
      const sample = JSON.parse(
        readFileSync(join(repoRoot(), 'tools/browser/fixtures/drill-report.json'), 'utf8'),
      ) as DrillReport;
      writeDrillReport(
        p.sites.drillReportFile,
        drillReport(sample, new Date('2026-11-22T09:15:00Z')),
      );
      await page.goto(drillPage);
      const summary = page.locator('dl.drill');
      await expect(summary.textContent()).resolves.toContain(
        'planned failover (fence, drain, compare, promote)',
      );
      await expect(summary.textContent()).resolves.toContain('22 Nov 2026, 10:15:00');
      await expect(summary.textContent()).resolves.toContain(
        `${sample.rto_ms.toLocaleString('en-GB')} ms`,
      );
      await expect(page.locator('[data-verdict]').textContent()).resolves.toBe(
        'identical on both sites',
      );
      await expect(
        page.locator('table.digests tbody th[scope="row"]').allTextContents(),
      ).resolves.toEqual(Object.keys(sample.digests));
      await expectAccessible(page);
      await screenshot(page, 'console-drill');
    });

    it('fails every service over to the embassy after a confirmation, and the embassy serves', async () => {
      const p = platform();
      const nationalId = await p.registerPerson({ givenNames: 'Paul', familyName: 'Schmit' });
      const page = await p.newPage('en');
      await p.signInAsOperator(page, 'ops-failover');
      await page.getByRole('link', { name: 'Fail over to the data embassy…' }).click();
      await page.waitForURL((url) => url.pathname === '/console/failover');
      await expect(page.locator('h1').textContent()).resolves.toBe(
        'Fail every service over to the data embassy?',
      );
      await expect(page.locator('.consequence').textContent()).resolves.toContain(
        'Writes are refused for the few seconds of the switch.',
      );
      await expectAccessible(page);
      await screenshot(page, 'console-confirm');

      // No reason: refused next to the field, nothing fenced.
      const [refusal] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith('/console/failover') && r.request().method() === 'POST',
        ),
        page.getByRole('button', { name: 'Yes, fail over to the data embassy' }).click(),
      ]);
      expect(refusal.status()).toBe(400);
      await page.waitForLoadState();
      await expect(page.locator('#field-reason-error').textContent()).resolves.toBe(
        'Give a reason of 1 to 500 characters.',
      );
      await expect(page.locator('#field-reason').getAttribute('aria-invalid')).resolves.toBe(
        'true',
      );
      await expectAccessible(page);
      await expect(roleOf(p, 'primary', 'registry')).resolves.toBe('primary');

      // Markup typed as the reason is kept as text, shown escaped with the new roles.
      await page.locator('#field-reason').fill('<b id="typed">planned failover</b>');
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/console', { timeout: 180_000 }),
        page.getByRole('button', { name: 'Yes, fail over to the data embassy' }).click(),
      ]);
      await expect(page.locator('[role="status"] strong').textContent()).resolves.toBe(
        'Failover done: every service is primary on the data embassy.',
      );
      for (const service of replicated()) {
        await expect(roleOf(p, 'embassy', service)).resolves.toBe('primary');
        await expect(roleOf(p, 'primary', service)).resolves.toBe('fenced');
        await expect(roleCell(page, service, 'embassy').textContent()).resolves.toMatch(
          /^primary \(since .*: “<b id="typed">planned failover<\/b>”\)$/,
        );
        await expect(roleCell(page, service, 'primary').textContent()).resolves.toMatch(
          /^fenced \(since /,
        );
      }
      await expect(page.locator('#typed').count()).resolves.toBe(0);
      await expectAccessible(page);

      // The embassy's own portal shows the new roles.
      const onEmbassy = await p.newPage('de');
      await p.signInAsOperator(onEmbassy, 'ops-embassy', 'embassy');
      expect(new URL(onEmbassy.url()).pathname).toBe('/console');
      await expect(roleCell(onEmbassy, 'registry', 'embassy').textContent()).resolves.toMatch(
        /^primär/,
      );
      await expect(roleCell(onEmbassy, 'registry', 'primary').textContent()).resolves.toMatch(
        /^abgeschottet/,
      );
      await expectAccessible(onEmbassy);

      // A citizen writes on the embassy (a correction request) and sees their data there.
      const citizenToken = await p.token('citizen', nationalId);
      await httpCall('POST', `${p.url('embassy', 'registry')}/corrections`, citizenToken, {
        body: {
          target: {
            register: 'persons',
            recordId: nationalId,
            correction: { field: 'givenNames', value: 'Paulo' },
          },
          justification: 'My birth certificate spells it Paulo.',
        },
        expected: [201],
        idempotencyKey: `browser-console-correction-${nationalId}`,
      });
      const registrar = await p.token('registrar', 'browser-console-registrar');
      const { json } = await httpCall(
        'POST',
        `${p.url('embassy', 'registry')}/persons`,
        registrar,
        {
          body: { ...registerPersonBody(8_500), givenNames: 'Nora', familyName: 'Embassy' },
          expected: [201],
          idempotencyKey: 'browser-console-person-on-embassy',
        },
      );
      const registeredThere = (json as { nationalId: string }).nationalId;
      const citizen = await p.newPage('en');
      await p.signInAsCitizen(citizen, registeredThere, 'embassy');
      await expect(citizen.locator('h1').textContent()).resolves.toBe('Welcome, Nora Embassy');
      await expectAccessible(citizen);
    }, 300_000);
  });
}
