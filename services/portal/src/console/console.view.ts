// The console's pages. Every figure that console.js refreshes comes from `liveFigures`, which
// the first rendering uses too: the page without JavaScript and the refreshed page say the same.
import { html, join } from '../html/html';
import type { Html } from '../html/html';
import type { PageContext } from '../http/page-context';
import { csrfField, textField } from '../layout/forms';
import type { FieldErrors } from '../layout/forms';
import type { ReplicationAction, SiteName } from './console-api';
import { actionsFor } from './console-api';
import { isStatus } from './console-data';
import type { ConsoleData, ServicePanel, SiteCell } from './console-data';
import { CONSOLE } from './console.messages';
import type { DrillReportRead } from './drill-report';
import { lagChartModel, lagChartSvg, sampleRows } from './lag-chart';

type T = ReturnType<typeof CONSOLE.in>;
type Key = Parameters<T>[0];

/** Rows of the table beside each chart. */
export const SAMPLE_ROWS = 10;

const ALARM_MEANINGS: Readonly<Record<string, Key>> = {
  'site-unreachable': 'alarmSiteUnreachable',
  lag: 'alarmLag',
  'two-primaries': 'alarmTwoPrimaries',
  'halted-streams': 'alarmHaltedStreams',
  'dead-letters': 'alarmDeadLetters',
  'digest-mismatch': 'alarmDigestMismatch',
  'bad-signature': 'alarmBadSignature',
  'undecodable-checkpoint': 'alarmUndecodable',
};

/** The readable explanation of one of embassy-sync's alarm codes. */
export function alarmMeaning(t: T, code: string): string {
  const key = ALARM_MEANINGS[code];
  return key === undefined ? t('alarmUnknownCode', { code }) : t(key);
}

export function siteName(t: T, site: SiteName): string {
  return site === 'primary' ? t('sitePrimary') : t('siteEmbassy');
}

/** "on the home site", "sur l'ambassade de données", … */
export function onSite(t: T, site: SiteName): string {
  return site === 'primary' ? t('onPrimary') : t('onEmbassy');
}

export function roleName(t: T, role: string): string {
  switch (role) {
    case 'primary':
      return t('rolePrimary');
    case 'replica':
      return t('roleReplica');
    case 'fenced':
      return t('roleFenced');
    default:
      return t('roleUnknown', { role });
  }
}

export function actionName(t: T, action: ReplicationAction): string {
  return t(action);
}

/** The figures console.js refreshes: text by `data-live` key, chart lines, table rows. */
export interface LiveFigures {
  readonly fields: Readonly<Record<string, string>>;
  readonly charts: Readonly<
    Record<string, { readonly d: string; readonly yTop: string; readonly yMiddle: string }>
  >;
  readonly rows: Readonly<Record<string, readonly (readonly string[])[]>>;
  /** Which tables are empty (hidden). */
  readonly empty: readonly string[];
}

function msText(page: PageContext, t: T, ms: number | null): string {
  return ms === null ? t('msUnknown') : t('ms', { value: page.formats.number(Math.round(ms)) });
}

function siteState(t: T, cell: SiteCell): string {
  const status = cell.status;
  if (!isStatus(status)) return `${t('unreachable')} (${status.error})`;
  const parts: string[] = [];
  if (status.replica.running) parts.push(t('replaying'));
  if (status.replica.halted.length > 0) {
    parts.push(t('halted', { count: status.replica.halted.length }));
  }
  if (status.replica.deadLetters.length > 0) {
    parts.push(t('deadLetters', { count: status.replica.deadLetters.length }));
  }
  return parts.join('; ');
}

function roleText(page: PageContext, t: T, cell: SiteCell): string {
  const status = cell.status;
  if (!isStatus(status)) return t('unreachable');
  const role = roleName(t, status.role);
  const change = status.roleChange;
  return change === null
    ? role
    : `${role} (${t('since', { time: page.formats.dateTime(change.changedAt), reason: change.reason })})`;
}

/** The figures of the whole console, for the page and for `/console/status.json`. */
export function liveFigures(page: PageContext, data: ConsoleData): LiveFigures {
  const t = CONSOLE.in(page.language);
  const fields: Record<string, string> = {};
  const charts: Record<string, { d: string; yTop: string; yMiddle: string }> = {};
  const rows: Record<string, string[][]> = {};
  const empty: string[] = [];
  fields['updated'] = t('updatedAt', { time: page.formats.dateTime(data.at.toISOString()) });
  const sync = data.sync;
  fields['alarms'] =
    sync === undefined
      ? t('alarmsUnavailable')
      : sync.alarm.reasons.length === 0
        ? t('alarmsOk')
        : t('alarmsOn', { count: sync.alarm.reasons.length });
  rows['alarms'] = (sync?.alarm.reasons ?? []).map((reason) => [
    reason.service ?? '',
    reason.site === 'primary' || reason.site === 'embassy' ? siteName(t, reason.site) : '',
    alarmMeaning(t, reason.code),
    reason.detail,
  ]);
  if (rows['alarms'].length === 0) empty.push('alarms');
  for (const service of data.services) {
    const key = service.name;
    for (const cell of service.sites) {
      const status = cell.status;
      fields[`${key}/${cell.site}/role`] = roleText(page, t, cell);
      fields[`${key}/${cell.site}/head`] = isStatus(status) ? status.head : '—';
      fields[`${key}/${cell.site}/state`] = siteState(t, cell);
    }
    const lag = service.sync?.lag ?? null;
    fields[`${key}/lag-now`] =
      lag === null
        ? t('lagNowUnknown')
        : `${t('lagNow', { events: page.formats.number(lag.events), ms: msText(page, t, lag.ms) })}${lag.basis === 'stale' ? ` ${t('lagStale')}` : ''}`;
    const window = service.sync?.window;
    const ms = window?.lagMs ?? null;
    fields[`${key}/lag-window`] =
      window === undefined || ms === null
        ? t('lagWindowEmpty')
        : t('lagWindow', {
            minutes: window.minutes,
            samples: window.samples,
            p50: msText(page, t, ms.p50),
            p99: msText(page, t, ms.p99),
            max: msText(page, t, ms.max),
          });
    const model = lagChartModel(service.samples ?? [], data.at.getTime(), data.minutes);
    charts[key] = {
      d: model.d,
      yTop: msText(page, t, model.yMax),
      yMiddle: msText(page, t, model.yMax / 2),
    };
    rows[`${key}/samples`] = sampleRows(service.samples ?? [], SAMPLE_ROWS).map((sample) => [
      page.formats.dateTime(sample.at),
      page.formats.number(sample.events),
      msText(page, t, sample.ms),
    ]);
    if (rows[`${key}/samples`]?.length === 0) empty.push(`${key}/samples`);
    const checkpoints = service.sync?.checkpoints;
    const verified = checkpoints?.lastVerified ?? null;
    fields[`${key}/verified`] =
      verified === null
        ? sync?.checkpoints?.verifying?.enabled === false
          ? t('verifiedElsewhere')
          : t('none')
        : t('verifiedValue', {
            position: verified.position,
            time: page.formats.dateTime(verified.verifiedAt),
          });
    fields[`${key}/digest`] = verified?.digest ?? t('none');
    fields[`${key}/verified-count`] = page.formats.number(checkpoints?.verified ?? 0);
    fields[`${key}/mismatches`] = page.formats.number(checkpoints?.mismatches ?? 0);
    fields[`${key}/pending`] =
      checkpoints?.pendingPosition == null
        ? t('none')
        : t('pendingAt', { position: checkpoints.pendingPosition });
    const signed = checkpoints?.lastSigned ?? null;
    fields[`${key}/signed`] =
      signed === null
        ? t('none')
        : t('verifiedValue', {
            position: signed.position,
            time: page.formats.dateTime(signed.signedAt),
          });
  }
  return { fields, charts, rows, empty };
}

const live = (figures: LiveFigures, key: string): Html =>
  html`<span data-live="${key}">${figures.fields[key] ?? ''}</span>`;

const tbody = (figures: LiveFigures, key: string): Html =>
  html`<tbody data-rows="${key}">
    ${(figures.rows[key] ?? []).map(
      (row) => html`<tr>
        ${row.map((cell, index) => (index === 0 ? html`<th scope="row">${cell}</th>` : html`<td>${cell}</td>`))}
      </tr>`,
    )}
  </tbody>`;

/** The console's own menu: the replication view and the drill report. */
export function consoleNav(page: PageContext, current: 'status' | 'drill'): Html {
  const t = CONSOLE.in(page.language);
  const item = (href: string, label: string, here: boolean): Html =>
    html`<li><a href="${href}" ${here ? html`aria-current="page"` : ''}>${label}</a></li>`;
  return html`<nav class="console-nav" aria-label="${t('sections')}">
    <ul>
      ${item('/console', t('navStatus'), current === 'status')}
      ${item('/console/drill', t('navDrill'), current === 'drill')}
    </ul>
  </nav>`;
}

function actionLinks(t: T, service: string, cell: SiteCell): Html {
  const role = isStatus(cell.status) ? cell.status.role : undefined;
  const actions = actionsFor(role);
  if (actions.length === 0) return html`${t('noAction')}`;
  return html`<ul class="console-actions">
    ${actions.map(
      (action) =>
        html`<li>
          <a
            class="button secondary"
            href="/console/confirm?service=${encodeURIComponent(service)}&amp;site=${cell.site}&amp;action=${action}"
            >${actionName(t, action)}<span class="visually-hidden">
              ${t('actionTarget', { service, site: siteName(t, cell.site) })}</span
            ></a
          >
        </li>`,
    )}
  </ul>`;
}

function servicePanel(
  page: PageContext,
  t: T,
  figures: LiveFigures,
  data: ConsoleData,
  service: ServicePanel,
): Html {
  const key = service.name;
  const id = `service-${key}`;
  const chart = figures.charts[key] ?? { d: '', yTop: '', yMiddle: '' };
  return html`<section class="service-panel" aria-labelledby="${id}">
    <h2 id="${id}">${key}</h2>
    <table>
      <caption>
        ${t('sitesCaption', { service: key })}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('colSite')}</th>
          <th scope="col">${t('colRole')}</th>
          <th scope="col">${t('colHead')}</th>
          <th scope="col">${t('colState')}</th>
          <th scope="col">${t('colActions')}</th>
        </tr>
      </thead>
      <tbody>
        ${service.sites.map(
          (cell) => html`<tr data-site="${cell.site}">
            <th scope="row">${siteName(t, cell.site)}</th>
            <td class="role">${live(figures, `${key}/${cell.site}/role`)}</td>
            <td>${live(figures, `${key}/${cell.site}/head`)}</td>
            <td>${live(figures, `${key}/${cell.site}/state`)}</td>
            <td>${actionLinks(t, key, cell)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <h3>${t('lagTitle')}</h3>
    <figure class="lag">
      <figcaption id="${id}-caption">
        ${t('chartCaption', { service: key, minutes: data.minutes })}
      </figcaption>
      ${lagChartSvg(
        chart,
        {
          yTop: chart.yTop,
          yMiddle: chart.yMiddle,
          yZero: '0',
          xStart: t('chartAgo', { minutes: data.minutes }),
          xEnd: t('chartNow'),
        },
        key,
        `${id}-caption ${id}-now ${id}-window`,
      )}
      ${service.samples === undefined ? html`<p class="hint">${t('chartNoHistory')}</p>` : ''}
      <p id="${id}-now">${live(figures, `${key}/lag-now`)}</p>
      <p id="${id}-window">${live(figures, `${key}/lag-window`)}</p>
    </figure>
    <details>
      <summary>${t('samplesTitle')}</summary>
      <table data-table="${key}/samples" ${figures.empty.includes(`${key}/samples`) ? html`hidden` : ''}>
        <caption>
          ${t('samplesCaption', { service: key })}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('colTime')}</th>
            <th scope="col">${t('colEvents')}</th>
            <th scope="col">${t('colMs')}</th>
          </tr>
        </thead>
        ${tbody(figures, `${key}/samples`)}
      </table>
    </details>
    <h3>${t('checkpointsTitle')}</h3>
    <dl class="record">
      <dt>${t('lastVerified')}</dt>
      <dd>${live(figures, `${key}/verified`)}</dd>
      <dt>${t('digest')}</dt>
      <dd><code class="digest">${live(figures, `${key}/digest`)}</code></dd>
      <dt>${t('verifiedCount')}</dt>
      <dd>${live(figures, `${key}/verified-count`)}</dd>
      <dt>${t('mismatches')}</dt>
      <dd>${live(figures, `${key}/mismatches`)}</dd>
      <dt>${t('pending')}</dt>
      <dd>${live(figures, `${key}/pending`)}</dd>
      <dt>${t('lastSigned')}</dt>
      <dd>${live(figures, `${key}/signed`)}</dd>
    </dl>
  </section>`;
}

/** The console's main page; `outcome` is what the last action did. */
export function consoleBody(page: PageContext, data: ConsoleData, outcome: Html | undefined): Html {
  const t = CONSOLE.in(page.language);
  const figures = liveFigures(page, data);
  return html`${consoleNav(page, 'status')} ${outcome ?? ''}
    <p>${t('intro')}</p>
    ${data.services.length === 0 ? html`<p class="notice">${t('notConfigured')}</p>` : ''}
    <p class="updated" data-refresh="/console/status.json">${live(figures, 'updated')}</p>
    <section aria-labelledby="alarms-title">
      <h2 id="alarms-title">${t('alarmsTitle')}</h2>
      <p class="alarm-state">${live(figures, 'alarms')}</p>
      <table data-table="alarms" ${figures.empty.includes('alarms') ? html`hidden` : ''}>
        <caption>
          ${t('alarmsCaption')}
        </caption>
        <thead>
          <tr>
            <th scope="col">${t('alarmService')}</th>
            <th scope="col">${t('alarmSite')}</th>
            <th scope="col">${t('alarmMeaning')}</th>
            <th scope="col">${t('alarmDetail')}</th>
          </tr>
        </thead>
        ${tbody(figures, 'alarms')}
      </table>
    </section>
    ${
      data.services.length === 0
        ? ''
        : html`<section aria-labelledby="failover-title">
            <h2 id="failover-title">${t('failoverTitle')}</h2>
            <p>${t('failoverIntro')}</p>
            <p><a class="button" href="/console/failover">${t('failoverStart')}</a></p>
          </section>`
    }
    ${data.services.map((service) => servicePanel(page, t, figures, data, service))}`;
}

/** The confirmation of one action on one service and site. */
export function confirmBody(
  page: PageContext,
  target: {
    readonly service: string;
    readonly site: SiteName;
    readonly action: ReplicationAction;
    readonly role: string | undefined;
  },
  errors: FieldErrors,
  reason: string,
  summary: Html,
): Html {
  const t = CONSOLE.in(page.language);
  const where = onSite(t, target.site);
  const params = { service: target.service, site: where };
  const consequence =
    target.action === 'fence'
      ? t('consequenceFence', params)
      : target.action === 'promote'
        ? t('consequencePromote', params)
        : t('consequenceDemote', params);
  const button =
    target.action === 'fence'
      ? t('confirmFence')
      : target.action === 'promote'
        ? t('confirmPromote')
        : t('confirmDemote');
  return html`${consoleNav(page, 'status')} ${summary}
    ${
      target.role === undefined
        ? ''
        : html`<p>${t('currentRole', { ...params, role: roleName(t, target.role) })}</p>`
    }
    <p class="notice consequence">${consequence}</p>
    <form method="post" action="/console/action" novalidate>
      ${csrfField(page)}
      <input type="hidden" name="service" value="${target.service}" />
      <input type="hidden" name="site" value="${target.site}" />
      <input type="hidden" name="action" value="${target.action}" />
      ${textField(page, errors, {
        name: 'reason',
        label: t('reason'),
        hint: t('reasonHint'),
        value: reason,
        required: true,
        autocomplete: 'off',
      })}
      <div class="actions">
        <button type="submit" class="${target.action === 'demote' ? '' : 'danger'}">${button}</button>
        <a href="/console">${t('backToConsole')}</a>
      </div>
    </form>`;
}

/** The confirmation of the site-wide failover, with the outcome of a failed attempt. */
export function failoverBody(
  page: PageContext,
  data: ConsoleData,
  errors: FieldErrors,
  reason: string,
  summary: Html,
): Html {
  const t = CONSOLE.in(page.language);
  return html`${consoleNav(page, 'status')} ${summary}
    <p>${t('failoverIntro')}</p>
    <p>${t('failoverSteps')}</p>
    <ol>
      <li>${t('failoverStep1')}</li>
      <li>${t('failoverStep2')}</li>
      <li>${t('failoverStep3')}</li>
      <li>${t('failoverStep4')}</li>
    </ol>
    <p class="notice consequence">${t('failoverConsequence')}</p>
    <table>
      <caption>
        ${t('failoverServices')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('alarmService')}</th>
          <th scope="col">${siteName(t, 'primary')}</th>
          <th scope="col">${siteName(t, 'embassy')}</th>
        </tr>
      </thead>
      <tbody>
        ${data.services.map(
          (service) => html`<tr>
            <th scope="row">${service.name}</th>
            ${service.sites.map(
              (cell) =>
                html`<td>${isStatus(cell.status) ? roleName(t, cell.status.role) : t('unreachable')}</td>`,
            )}
          </tr>`,
        )}
      </tbody>
    </table>
    <form method="post" action="/console/failover" novalidate>
      ${csrfField(page)}
      ${textField(page, errors, {
        name: 'reason',
        label: t('reason'),
        hint: t('reasonHint'),
        value: reason,
        required: true,
        autocomplete: 'off',
      })}
      <div class="actions">
        <button type="submit" class="danger">${t('failoverConfirm')}</button>
        <a href="/console">${t('backToConsole')}</a>
      </div>
    </form>`;
}

/** A list of outcomes, announced (`role="status"`) or alarming (`role="alert"`). */
export function outcomeBox(
  kind: 'success' | 'failure',
  title: string,
  items: readonly string[],
): Html {
  return kind === 'success'
    ? html`<div class="success" role="status">
        <p><strong>${title}</strong></p>
        ${items.length === 0 ? '' : html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`}
      </div>`
    : html`<div class="error-summary" role="alert" tabindex="-1">
        <h2>${title}</h2>
        <ul>
          ${items.map((item) => html`<li>${item}</li>`)}
        </ul>
      </div>`;
}

/** The last drill's report. */
export function drillBody(page: PageContext, read: DrillReportRead): Html {
  const t = CONSOLE.in(page.language);
  const nav = consoleNav(page, 'drill');
  switch (read.kind) {
    case 'not-configured':
      return html`${nav}
        <p class="notice">${t('drillNotConfigured')}</p>`;
    case 'none':
      return html`${nav}
        <p class="notice">${t('drillNone')}</p>`;
    case 'unreadable':
      return html`${nav}
        <p class="notice">${t('drillUnreadable', { error: read.error })}</p>`;
    case 'report':
      break;
  }
  const report = read.report;
  const f = page.formats;
  const ms = (value: number): string => t('ms', { value: f.number(value) });
  const replay =
    report.replay_ratio_to_raw_consume === undefined
      ? t('replayValue', { rate: f.number(report.replay_events_per_s) })
      : t('replayRatio', {
          rate: f.number(report.replay_events_per_s),
          ratio: f.number(report.replay_ratio_to_raw_consume),
        });
  const verdict = (equal: boolean): Html =>
    html`<span class="${equal ? 'verdict-ok' : 'verdict-bad'}">${equal ? t('equal') : t('notEqual')}</span>`;
  const rows: readonly (readonly [string, Html | string])[] = [
    [t('drillWhen'), f.dateTime(read.finishedAt)],
    [
      t('drillScenario'),
      report.scenario === 'planned' ? t('scenarioPlanned') : t('scenarioUnplanned'),
    ],
    [t('drillEvents'), f.number(report.events)],
    [
      t('drillRpo'),
      t('rpoValue', { events: f.number(report.rpo_events), ms: f.number(report.rpo_ms) }),
    ],
    [t('drillRto'), ms(report.rto_ms)],
    [t('drillReplay'), replay],
    [
      t('drillVerdict'),
      html`<span class="${report.identical ? 'verdict-ok' : 'verdict-bad'}" data-verdict
        >${report.identical ? t('identical') : t('different')}</span
      >`,
    ],
    [t('drillPosition'), report.position],
    ...(report.discarded_on_promotion === undefined
      ? []
      : [[t('drillDiscarded'), f.number(report.discarded_on_promotion)] as const]),
  ];
  const failback = report.failback;
  return html`${nav}
    <section aria-labelledby="drill-summary">
      <h2 id="drill-summary">${t('drillSummary')}</h2>
      <dl class="record drill">
        ${join(rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`))}
      </dl>
    </section>
    ${
      failback === undefined
        ? ''
        : html`<section aria-labelledby="drill-failback">
          <h2 id="drill-failback">${t('failbackTitle')}</h2>
          <p>
            ${t('failbackRto', {
              ms: f.number(failback.rto_ms),
              position: failback.position,
              verdict: failback.identical ? t('identical') : t('different'),
            })}
          </p>
        </section>`
    }
    <table class="digests">
      <caption>
        ${t('digestsCaption')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('colCompared')}</th>
          <th scope="col">${t('colPosition')}</th>
          <th scope="col">${siteName(t, 'primary')}</th>
          <th scope="col">${siteName(t, 'embassy')}</th>
          <th scope="col">${t('colVerdict')}</th>
        </tr>
      </thead>
      <tbody>
        ${Object.entries(report.digests).map(
          ([name, pair]) => html`<tr>
            <th scope="row">${name}</th>
            <td>${pair.position ?? ''}</td>
            <td><code class="digest">${pair.primary}</code></td>
            <td><code class="digest">${pair.embassy}</code></td>
            <td>${verdict(pair.primary === pair.embassy)}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}
