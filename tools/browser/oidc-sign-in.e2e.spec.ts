// The portal's sign-in in a deployment: OpenID Connect against a real provider (oidc-provider,
// its own process), clicked through in Debian's Chromium. The registry trusts the provider's
// tokens (its issuer, the services' audience, its key): the portal signs the person in with
// the provider, reads their name from the register with the provider's access token, and
// refuses what does not fit (an aborted sign-in, a callback it did not start, a forged state).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { mintToken } from '@gov/platform-auth';
import { ServicesUnderTest, callJson } from '@gov/platform-e2e-testing';
import type { ServiceUnderTest } from '@gov/platform-e2e-testing';
import { freePort, repoRoot } from '@gov/platform-infra';

import { registerPersonBody } from '../bench/lib/persons';
import { expectAccessible, launchChromium, screenshot } from './lib/browser';

const AUDIENCE = 'backbone';
const RESOURCE = 'urn:backbone:services';
const CLIENT_ID = 'portal';
const CLIENT_SECRET = 'portal-client-secret-for-the-test';

let services: ServicesUnderTest | undefined;
let provider: ChildProcess | undefined;
let issuer: string;
let portalUrl: string;
let registry: ServiceUnderTest;
let browser: Browser | undefined;
let nationalId: string;

async function startProvider(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'tools/browser/lib/identity-provider.mjs')],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the identity provider did not start:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the identity provider exited (${String(code)}):\n${output}`));
    });
  });
  return child;
}

beforeAll(async () => {
  const harness = await ServicesUnderTest.create('portal-oidc');
  services = harness;
  const providerPort = await freePort();
  const portalPort = await freePort();
  issuer = `http://127.0.0.1:${String(providerPort)}`;
  portalUrl = `http://127.0.0.1:${String(portalPort)}`;
  // The registry trusts the provider: its issuer, the services' audience, and (in the JWKS file
  // of the harness) the public half of the key the provider signs with.
  const trustProvider = { AUTH_ISSUER: issuer, AUTH_AUDIENCE: AUDIENCE };
  registry = await harness.start('registry', trustProvider);
  const registrar = await mintToken(harness.keys.privateKeyFile, {
    role: 'registrar',
    subject: 'oidc-clerk',
    registers: ['persons'],
    issuer,
    audience: AUDIENCE,
  });
  const registered = await callJson(`${registry.url}/persons`, 'POST', registrar, {
    ...registerPersonBody(4242),
    givenNames: 'Maren',
    familyName: 'Kieffer',
  });
  expect(registered.status).toBe(201);
  nationalId = String(registered.body['nationalId']);

  provider = await startProvider({
    PORT: String(providerPort),
    ISSUER: issuer,
    KEY_FILE: harness.keys.privateKeyFile,
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI: `${portalUrl}/sign-in/callback`,
    RESOURCE,
    AUDIENCE,
    NAMES: JSON.stringify({ [nationalId]: 'Maren (as the provider knows her)' }),
  });
  const secretFile = join(harness.dir, 'client-secret');
  writeFileSync(secretFile, CLIENT_SECRET);
  await harness.start(
    'portal',
    {
      REGISTRY_URL: registry.url,
      PORTAL_OIDC_ISSUER: issuer,
      PORTAL_OIDC_CLIENT_ID: CLIENT_ID,
      PORTAL_OIDC_CLIENT_SECRET_FILE: secretFile,
      PORTAL_OIDC_RESOURCE: RESOURCE,
      PORTAL_PUBLIC_URL: portalUrl,
      PORTAL_SESSION_SECRET: Buffer.alloc(32, 9).toString('base64'),
    },
    { withoutDatabase: true, port: portalPort },
  );
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  provider?.kill('SIGTERM');
  await services?.stop();
});

async function newPage(): Promise<Page> {
  if (browser === undefined) throw new Error('no browser');
  const context = await browser.newContext({ locale: 'en-GB' });
  return context.newPage();
}

/** From the portal's sign-in page through the provider's login form to its consent screen. */
async function loginAtProvider(page: Page, login: string): Promise<void> {
  await page.goto(`${portalUrl}/?from=test`);
  expect(new URL(page.url()).pathname).toBe('/sign-in');
  await expectAccessible(page);
  await screenshot(page, 'sign-in-oidc');
  await page.getByRole('link', { name: 'Sign in with the identity provider' }).click();
  await page.waitForURL((url) => url.origin === issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((url) => url.origin === issuer && url.pathname.startsWith('/interaction'));
}

describe('signing in with OpenID Connect', () => {
  it('signs a person in at the provider and back, named as in the register', async () => {
    const page = await newPage();
    await loginAtProvider(page, nationalId);
    await page.locator('button[type="submit"]').click(); // the provider's consent: continue
    await page.waitForURL(
      (url) => url.origin === portalUrl && !url.pathname.startsWith('/sign-in'),
    );
    // Back where she was going.
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/?from=test');
    await page.goto(`${portalUrl}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Welcome, Maren Kieffer');
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).toContain('portal_session');
    // The sign-in cookie was for the round trip only.
    expect(cookies.map((c) => c.name)).not.toContain('portal_sign_in');
  });

  it('shows why when the person aborts at the provider, and signs nobody in', async () => {
    const page = await newPage();
    await loginAtProvider(page, nationalId);
    await page.getByRole('link', { name: /cancel/i }).click();
    await page.waitForURL((url) => url.origin === portalUrl);
    await expect(page.locator('.error-summary').textContent()).resolves.toMatch(
      /Signing in did not complete: .*(denied|abort)/i,
    );
    await expectAccessible(page);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).not.toContain('portal_session');
  });

  it('refuses a callback it did not start, and one whose state was changed', async () => {
    const page = await newPage();
    const stray = await page.goto(`${portalUrl}/sign-in/callback?code=abc&state=xyz`);
    expect(stray?.status()).toBe(400);
    await expect(page.locator('.error-summary').textContent()).resolves.toContain(
      'This sign-in was not started here',
    );

    // A real round trip whose answer is tampered with on the way back: the consent is sent
    // and the provider's redirects followed by hand (with the browser's cookies), so that the
    // code comes back unused, and the browser then brings it with another state.
    await loginAtProvider(page, nationalId);
    const form = page.locator('form');
    const action = new URL((await form.getAttribute('action')) ?? '', page.url()).href;
    const fields: [string, string][] = [];
    for (const input of await form.locator('input').all()) {
      fields.push([(await input.getAttribute('name')) ?? '', await input.inputValue()]);
    }
    let answer = await page.request.post(action, {
      form: Object.fromEntries(fields),
      maxRedirects: 0,
    });
    let location = answer.headers()['location'] ?? '';
    while (location !== '' && !location.startsWith(portalUrl)) {
      answer = await page.request.get(new URL(location, issuer).href, { maxRedirects: 0 });
      location = answer.headers()['location'] ?? '';
    }
    const forged = new URL(location);
    expect(forged.pathname).toBe('/sign-in/callback');
    expect(forged.searchParams.get('code')).toBeTruthy();
    forged.searchParams.set('state', 'forged-state');
    const refused = await page.goto(forged.href);
    expect(refused?.status()).toBe(400);
    await expect(page.locator('.error-summary').textContent()).resolves.toMatch(
      /Signing in did not complete: .*state/i,
    );
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).not.toContain('portal_session');
  });

  it('does not let anyone name themself when a provider is configured', async () => {
    const answer = await fetch(`${portalUrl}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ role: 'citizen', nationalId }).toString(),
      redirect: 'manual',
    });
    expect(answer.status).toBe(404);
    expect(answer.headers.get('set-cookie')).toBeNull();
  });
});
