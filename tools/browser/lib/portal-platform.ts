// The platform the browser tests click through: two sites (Kafka, PostgreSQL, MirrorMaker 2)
// with every declared service on both, started as `npm start` starts them (the portal last, on
// each site, wired to that site's services), and a headless Chromium.
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { registerPersonBody } from '../../bench/lib/persons';
import { httpCall } from '../../scripts/lib/drill-client';
import type { SiteName } from '../../scripts/lib/local-platform';
import { serviceDeclarations } from '../../scripts/lib/services';
import { seedDemoData } from '../../scripts/lib/demo-data';
import type { DemoIdentityFile } from '../../scripts/lib/demo-data';
import { AUDIENCE, ISSUER, TwoSites } from '../../scripts/lib/two-sites';
import type { SiteService } from '../../scripts/lib/two-sites';
import { expectAccessible, launchChromium } from './browser';

const quiet = (): void => undefined;

/** Everything a browser scenario needs. */
export class PortalPlatform {
  private contexts: BrowserContext[] = [];
  private registered = 0;
  /** The sign-in pages (site and language) axe has checked: the same page at every sign-in. */
  private readonly signInPagesChecked = new Set<string>();

  private constructor(
    readonly sites: TwoSites,
    readonly browser: Browser,
    private readonly running: Map<string, SiteService>,
    /** The demo identities seeded on the primary, as the sign-in page offers them. */
    readonly demo: DemoIdentityFile,
  ) {}

  /** Starts both sites, every service on each (the portal last), and the browser. */
  static async start(
    options: { readonly log?: (message: string) => void } = {},
  ): Promise<PortalPlatform> {
    const log = options.log ?? quiet;
    const sites = await TwoSites.start({ log, durable: false });
    const running = new Map<string, SiteService>();
    try {
      // Services with an event store first on both sites (the portal's console needs both
      // sites' URLs of each), then the others (embassy-sync, the portal) in dependency order.
      for (const site of ['primary', 'embassy'] as const) {
        for (const service of await sites.startReplicated(site)) {
          running.set(`${site}/${service.spec.name}`, service);
        }
      }
      const others = serviceDeclarations()
        .filter((s) => s.eventStore === undefined)
        .map((s) => s.name);
      for (const site of ['primary', 'embassy'] as const) {
        for (const service of await sites.startServices(site, others)) {
          running.set(`${site}/${service.spec.name}`, service);
        }
      }
      const url = (name: string): string => {
        const service = running.get(`primary/${name}`);
        if (service === undefined) throw new Error(`${name} did not start on the primary`);
        return service.process.url;
      };
      // The demo data `npm start` seeds, through the same code: the sign-in page offers it.
      const demo = await seedDemoData(
        { registry: url('registry'), letterbox: url('letterbox'), consent: url('consent') },
        { privateKeyFile: sites.keys.privateKeyFile, issuer: ISSUER, audience: AUDIENCE },
        sites.demoFile,
        log,
      );
      const browser = await launchChromium();
      return new PortalPlatform(sites, browser, running, demo);
    } catch (error) {
      await sites.stop();
      throw error;
    }
  }

  /** A started service. */
  service(site: SiteName, name: string): SiteService {
    const service = this.running.get(`${site}/${name}`);
    if (service === undefined) throw new Error(`${name} is not running on the ${site}`);
    return service;
  }

  /** The base URL of a service (the portal included) on a site. */
  url(site: SiteName, name: string): string {
    return this.service(site, name).process.url;
  }

  /** A token of the platform (as `npm run token` mints them). */
  token(
    role: 'operator' | 'registrar' | 'citizen' | 'agency',
    subject: string,
    nationalIdOrOrganisation?: string,
  ): Promise<string> {
    return this.sites.token(role, subject, nationalIdOrOrganisation);
  }

  /** Registers a new person on the primary through the registry's API; their national id. */
  async registerPerson(overrides: Record<string, unknown> = {}): Promise<string> {
    const index = 7_000 + this.registered++;
    const registrar = await this.token('registrar', 'browser-registrar');
    const { json } = await httpCall(
      'POST',
      `${this.url('primary', 'registry')}/persons`,
      registrar,
      {
        body: { ...registerPersonBody(index), ...overrides },
        expected: [201],
        idempotencyKey: `browser-person-${index}`,
      },
    );
    return (json as { nationalId: string }).nationalId;
  }

  /** A fresh browser tab (own cookies) that prefers `language`. */
  async newPage(language: 'en' | 'fr' | 'de' = 'en'): Promise<Page> {
    const locale = { en: 'en-GB', fr: 'fr-LU', de: 'de-LU' }[language];
    const context = await this.browser.newContext({
      locale,
      viewport: { width: 1280, height: 900 },
    });
    this.contexts.push(context);
    return context.newPage();
  }

  /**
   * Signs `page` in on `site`'s portal as the person `nationalId`, through the sign-in form. The
   * form is checked with axe the first time it shows on that site in the page's language (it is
   * the same page each time after: checking it at every sign-in took a sixth of the browser
   * tests' time); the sign-in scenarios check its other states.
   */
  async signInAsCitizen(page: Page, nationalId: string, site: SiteName = 'primary'): Promise<void> {
    await page.goto(`${this.url(site, 'portal')}/sign-in`);
    const seen = `${site} ${String(await page.locator('html').getAttribute('lang'))}`;
    if (!this.signInPagesChecked.has(seen)) {
      await expectAccessible(page);
      this.signInPagesChecked.add(seen);
    }
    await page
      .locator('section[aria-labelledby="citizen-title"]')
      .getByLabel(
        /National identification number|Numéro d’identification national|Nationale Identifikationsnummer/,
      )
      .fill(nationalId);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/sign-in')),
      page.locator('section[aria-labelledby="citizen-title"] button[type="submit"]').click(),
    ]);
  }

  /** Signs `page` in on `site`'s portal as an operator. */
  async signInAsOperator(page: Page, subject: string, site: SiteName = 'primary'): Promise<void> {
    await page.goto(`${this.url(site, 'portal')}/sign-in`);
    const section = page.locator('section[aria-labelledby="operator-title"]');
    await section.locator('input[name="subject"]').fill(subject);
    await Promise.all([
      page.waitForURL((url) => !url.pathname.startsWith('/sign-in')),
      section.locator('button[type="submit"]').click(),
    ]);
  }

  async stop(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    await this.sites.stop();
  }
}
