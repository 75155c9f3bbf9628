// The last failover drill's report, as `npm run drill` writes it (tools/scripts/drill.ts): read
// from `PORTAL_DRILL_REPORT_FILE` on every visit, checked field by field (the file is outside
// the portal's control; what does not fit is said, not half-shown).
import { readFile, stat } from 'node:fs/promises';

import { z } from 'zod';

const count = z.number().nonnegative();
const pair = z.object({
  primary: z.string(),
  embassy: z.string(),
  position: z.string().optional(),
});

const reportSchema = z.object({
  scenario: z.enum(['planned', 'unplanned']),
  events: count,
  rpo_events: z.number(),
  rpo_ms: count,
  rto_ms: count,
  replay_events_per_s: count,
  digests: z.record(z.string(), pair),
  identical: z.boolean(),
  position: z.string(),
  raw_consume_events_per_s: count.optional(),
  replay_ratio_to_raw_consume: count.optional(),
  discarded_on_promotion: count.optional(),
  finished_at: z.iso.datetime({ offset: true }).optional(),
  failback: z
    .object({
      rto_ms: count,
      position: z.string(),
      identical: z.boolean(),
      digest: z.string(),
    })
    .optional(),
});

/** A drill report as the console shows it. */
export type DrillReport = z.infer<typeof reportSchema>;

/** What the console found at the configured place. */
export type DrillReportRead =
  | { readonly kind: 'not-configured' }
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly error: string }
  | {
      readonly kind: 'report';
      readonly report: DrillReport;
      /** When the drill finished: its own `finished_at`, else the file's modification time. */
      readonly finishedAt: string;
    };

/** Checks a report's JSON text; the message says which field does not fit. */
export function parseDrillReport(
  text: string,
): { ok: true; report: DrillReport } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? '' : issue.path.join('.');
    return { ok: false, error: `${path === '' ? 'the report' : path}: ${issue?.message ?? ''}` };
  }
  return { ok: true, report: parsed.data };
}

/** Reads the report at `file` (absent: no drill has run yet). */
export async function readDrillReport(file: string | undefined): Promise<DrillReportRead> {
  if (file === undefined) return { kind: 'not-configured' };
  let text: string;
  let modified: Date;
  try {
    [text, modified] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => s.mtime)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', error: (error as Error).message };
  }
  const parsed = parseDrillReport(text);
  if (!parsed.ok) return { kind: 'unreadable', error: parsed.error };
  return {
    kind: 'report',
    report: parsed.report,
    finishedAt: parsed.report.finished_at ?? modified.toISOString(),
  };
}
