// The frame of every page: language, skip link, header with the menu of the signed-in
// person's role, the language switch, and one <main>. Pages give a title and their content.
import { html } from '../html/html';
import type { Html } from '../html/html';
import { LANGUAGES, LANGUAGE_NAMES } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import { COMMON } from './common.messages';

/** What a page puts into the frame. */
export interface PageContent {
  /** The page's own title: the `<h1>` and the first part of `<title>`. */
  readonly title: string;
  readonly body: Html;
  /** Scripts of the portal (`/assets/<name>.js`, ES modules) the page needs. */
  readonly scripts?: readonly string[];
  /** Stylesheets of a part of the portal (`/assets/<name>.css`) on top of `portal.css`. */
  readonly styles?: readonly string[];
}

type NavKey = Parameters<ReturnType<typeof COMMON.in>>[0];

const CITIZEN_MENU: readonly (readonly [string, NavKey])[] = [
  ['/', 'navHome'],
  ['/my-data', 'navMyData'],
  ['/corrections', 'navCorrections'],
  ['/procedures', 'navProcedures'],
  ['/cases', 'navCases'],
  ['/letters', 'navLetters'],
  ['/consents', 'navConsents'],
  ['/prefill', 'navPrefill'],
  ['/access-log', 'navAccessLog'],
  ['/businesses', 'navBusinesses'],
];
const OPERATOR_MENU: readonly (readonly [string, NavKey])[] = [['/console', 'navConsole']];

function isCurrent(href: string, here: string): boolean {
  const path = here.split('?')[0] ?? '';
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

/** The whole document of a page. */
export function layout(page: PageContext, content: PageContent): Html {
  const t = COMMON.in(page.language);
  const user = page.session?.user;
  const menu = user === undefined ? [] : user.role === 'operator' ? OPERATOR_MENU : CITIZEN_MENU;
  const title = `${content.title} · ${t('portalName')}`;
  return html`<html lang="${page.language}">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title}</title>
      <link rel="stylesheet" href="/assets/portal.css" />
      ${(content.styles ?? []).map(
        (name) => html`<link rel="stylesheet" href="/assets/${name}.css" />`,
      )}
      ${(content.scripts ?? []).map((name) => html`<script type="module" src="/assets/${name}.js"></script>`)}
    </head>
    <body>
      <a class="skip-link" href="#content">${t('skipToContent')}</a>
      <header class="site-header">
        <div class="bar">
          <a class="brand" href="/">${t('portalName')}</a>
          <nav class="languages" aria-label="${t('languageSwitch')}">
            <ul>
              ${LANGUAGES.map(
                (language) =>
                  html`<li>
                    <a
                      href="/language?lang=${language}&amp;next=${encodeURIComponent(page.here)}"
                      lang="${language}"
                      hreflang="${language}"
                      ${language === page.language ? html`aria-current="true"` : ''}
                      >${LANGUAGE_NAMES[language]}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          ${
            user === undefined
              ? ''
              : html`<form class="sign-out" method="post" action="/sign-out">
                  <span>${t('signedInAs', { name: user.displayName })}</span>
                  <input type="hidden" name="_csrf" value="${page.csrf}" />
                  <button type="submit">${t('signOut')}</button>
                </form>`
          }
        </div>
        ${
          menu.length === 0
            ? ''
            : html`<nav class="menu" aria-label="${t('mainNavigation')}">
                <ul>
                  ${menu.map(
                    ([href, key]) =>
                      html`<li>
                        <a
                          href="${href}"
                          ${isCurrent(href, page.here) ? html`aria-current="page"` : ''}
                          >${t(key)}</a
                        >
                      </li>`,
                  )}
                </ul>
              </nav>`
        }
      </header>
      ${page.site === 'embassy' ? html`<p class="banner" role="status">${t('embassyBanner')}</p>` : ''}
      <main id="content" tabindex="-1">
        <h1>${content.title}</h1>
        ${content.body}
      </main>
      <footer class="site-footer"><p>${t('footer')}</p></footer>
    </body>
  </html>`;
}
