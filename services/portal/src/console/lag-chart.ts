// The lag chart: an inline SVG drawn on the server from embassy-sync's samples (numbers only),
// so that the console shows it without JavaScript; console.js later moves the same line with
// the model that `/console/status.json` sends. Its text alternative is the summary and the
// table of samples beside it (see console.view.ts).
import { escapeHtml, trustedHtml } from '../html/html';
import type { Html } from '../html/html';
import type { LagSample } from './console-api';

/** The drawing's frame, in SVG user units. */
export const CHART = {
  width: 640,
  height: 220,
  left: 72,
  right: 16,
  top: 16,
  bottom: 32,
} as const;

const PLOT_WIDTH = CHART.width - CHART.left - CHART.right;
const PLOT_HEIGHT = CHART.height - CHART.top - CHART.bottom;

/** What the chart's line and axis need: plain numbers, the same on the server and in the page. */
export interface ChartModel {
  /** The `d` of the line's path (`M x y L x y …`; a new `M` after a sample without a span). */
  readonly d: string;
  /** The top of the y axis, in ms (a round number ≥ every sample). */
  readonly yMax: number;
  /** Samples drawn. */
  readonly points: number;
}

/** The smallest of 1, 2, 5 × 10^k (at least 100 ms) that is ≥ `value`. */
export function niceCeiling(value: number): number {
  let ceiling = 100;
  for (;;) {
    for (const step of [1, 2, 5]) {
      if (step * ceiling >= value) return step * ceiling;
    }
    ceiling *= 10;
  }
}

const round = (value: number): string => (Math.round(value * 10) / 10).toFixed(1);

/**
 * The line of the lag in ms over `[now − minutes, now]`. Samples without a known span (the
 * embassy held nothing yet) break the line rather than drawing a false zero; samples outside
 * the span are left out.
 */
export function lagChartModel(
  samples: readonly LagSample[],
  now: number,
  minutes: number,
): ChartModel {
  const span = minutes * 60_000;
  const from = now - span;
  const inSpan = samples
    .map((sample) => ({ at: Date.parse(sample.at), ms: sample.ms }))
    .filter((sample) => Number.isFinite(sample.at) && sample.at >= from && sample.at <= now);
  const known = inSpan.flatMap((sample) => (sample.ms === null ? [] : [sample.ms]));
  const yMax = niceCeiling(Math.max(0, ...known));
  const parts: string[] = [];
  let drawing = false;
  for (const sample of inSpan) {
    if (sample.ms === null) {
      drawing = false;
      continue;
    }
    const x = CHART.left + ((sample.at - from) / span) * PLOT_WIDTH;
    const y = CHART.top + PLOT_HEIGHT - (Math.min(sample.ms, yMax) / yMax) * PLOT_HEIGHT;
    parts.push(`${drawing ? 'L' : 'M'}${round(x)} ${round(y)}`);
    drawing = true;
  }
  return { d: parts.join(' '), yMax, points: known.length };
}

/** The words the chart writes on its axes (already in the page's language). */
export interface ChartLabels {
  /** The y axis' top and middle (e.g. "1,000 ms"). */
  readonly yTop: string;
  readonly yMiddle: string;
  readonly yZero: string;
  /** The x axis' ends ("−5 min", "now"). */
  readonly xStart: string;
  readonly xEnd: string;
}

/**
 * The SVG of `model`. Built with {@link trustedHtml}: the path is numbers this module computed,
 * the labels are escaped. `labelledBy` names the elements that describe it (its caption and
 * summary); `key` marks the parts console.js updates.
 */
export function lagChartSvg(
  model: Pick<ChartModel, 'd'>,
  labels: ChartLabels,
  key: string,
  labelledBy: string,
): Html {
  const e = escapeHtml;
  const bottom = CHART.top + PLOT_HEIGHT;
  const middle = CHART.top + PLOT_HEIGHT / 2;
  const right = CHART.left + PLOT_WIDTH;
  const markup =
    `<svg class="lag-chart" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" ` +
    `aria-labelledby="${e(labelledBy)}" data-chart="${e(key)}" focusable="false">` +
    `<line class="grid" x1="${CHART.left}" y1="${CHART.top}" x2="${right}" y2="${CHART.top}"/>` +
    `<line class="grid" x1="${CHART.left}" y1="${middle}" x2="${right}" y2="${middle}"/>` +
    `<line class="axis" x1="${CHART.left}" y1="${bottom}" x2="${right}" y2="${bottom}"/>` +
    `<line class="axis" x1="${CHART.left}" y1="${CHART.top}" x2="${CHART.left}" y2="${bottom}"/>` +
    `<text class="label" x="${CHART.left - 6}" y="${CHART.top + 4}" text-anchor="end" data-y-top="">${e(labels.yTop)}</text>` +
    `<text class="label" x="${CHART.left - 6}" y="${middle + 4}" text-anchor="end" data-y-middle="">${e(labels.yMiddle)}</text>` +
    `<text class="label" x="${CHART.left - 6}" y="${bottom + 4}" text-anchor="end">${e(labels.yZero)}</text>` +
    `<text class="label" x="${CHART.left}" y="${CHART.height - 8}" text-anchor="start">${e(labels.xStart)}</text>` +
    `<text class="label" x="${right}" y="${CHART.height - 8}" text-anchor="end">${e(labels.xEnd)}</text>` +
    `<path class="line" d="${e(model.d)}" data-line=""/>` +
    `</svg>`;
  return trustedHtml(markup);
}

/**
 * At most `rows` samples for the table beside the chart: the worst lag of each of `rows` equal
 * runs of samples (so that the table, like the chart, never hides a spike), oldest first.
 */
export function sampleRows(samples: readonly LagSample[], rows: number): LagSample[] {
  if (samples.length <= rows) return [...samples];
  const size = samples.length / rows;
  const out: LagSample[] = [];
  for (let i = 0; i < rows; i++) {
    const run = samples.slice(Math.floor(i * size), Math.floor((i + 1) * size));
    const worst = run.reduce<LagSample | undefined>(
      (a, b) => (a === undefined || (b.ms ?? -1) > (a.ms ?? -1) ? b : a),
      undefined,
    );
    const last = run.at(-1);
    if (worst !== undefined && last !== undefined) out.push({ ...worst, at: last.at });
  }
  return out;
}
