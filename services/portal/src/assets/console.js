// @ts-check
// The operator console's live figures: every few seconds, the same figures the server rendered
// (roles, heads, lag, checkpoints, alarms, the lag chart's line and its table) are fetched from
// /console/status.json and put in place. Progressive enhancement only: without this script the
// page shows the figures of its loading, and a reload refreshes them.

/**
 * @typedef {{
 *   fields: Record<string, string>,
 *   charts: Record<string, { d: string, yTop: string, yMiddle: string }>,
 *   rows: Record<string, string[][]>,
 *   empty: string[],
 * }} LiveFigures
 */

const REFRESH_MS = 5000;

/** @param {string} value */
function attribute(value) {
  return CSS.escape(value);
}

/** @param {LiveFigures} figures */
function apply(figures) {
  for (const [key, text] of Object.entries(figures.fields)) {
    for (const element of document.querySelectorAll(`[data-live="${attribute(key)}"]`)) {
      if (element.textContent !== text) element.textContent = text;
    }
  }
  for (const [key, chart] of Object.entries(figures.charts)) {
    const svg = document.querySelector(`svg[data-chart="${attribute(key)}"]`);
    if (svg === null) continue;
    svg.querySelector('[data-line]')?.setAttribute('d', chart.d);
    const top = svg.querySelector('[data-y-top]');
    if (top !== null) top.textContent = chart.yTop;
    const middle = svg.querySelector('[data-y-middle]');
    if (middle !== null) middle.textContent = chart.yMiddle;
  }
  for (const [key, rows] of Object.entries(figures.rows)) {
    const body = document.querySelector(`tbody[data-rows="${attribute(key)}"]`);
    if (body === null) continue;
    body.replaceChildren(
      ...rows.map((row) => {
        const tr = document.createElement('tr');
        row.forEach((text, index) => {
          const cell = document.createElement(index === 0 ? 'th' : 'td');
          if (index === 0) cell.setAttribute('scope', 'row');
          cell.textContent = text;
          tr.append(cell);
        });
        return tr;
      }),
    );
  }
  for (const table of document.querySelectorAll('table[data-table]')) {
    if (table instanceof HTMLElement) {
      table.hidden = figures.empty.includes(table.dataset['table'] ?? '');
    }
  }
}

/** @param {string} url */
async function refresh(url) {
  const response = await fetch(url, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    cache: 'no-store',
  });
  // A session that ended answers with the sign-in page: stop, the next click signs in again.
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || response.redirected || !type.startsWith('application/json')) return false;
  /** @type {unknown} */
  const body = await response.json();
  apply(/** @type {LiveFigures} */ (body));
  return true;
}

const marker = document.querySelector('[data-refresh]');
const url = marker?.getAttribute('data-refresh');
if (url) {
  document.documentElement.dataset['live'] = 'on';
  const tick = async () => {
    let goOn = true;
    if (!document.hidden) {
      try {
        goOn = await refresh(url);
        document.documentElement.dataset['refreshed'] = String(Date.now());
      } catch {
        // The portal did not answer this time (a restart): try again at the next tick.
      }
    }
    if (goOn) setTimeout(() => void tick(), REFRESH_MS);
  };
  setTimeout(() => void tick(), REFRESH_MS);
}
