// The family-allowance journey of issue 11 through the public HTTP APIs only, as a portal and a
// back office make it: the whole-journey e2e test runs it on each site (the primary, then the
// promoted embassy) and asserts on what it returns; the drill runs it to give the procedures
// and letterbox logs cases to replay and compare.
import { createHash } from 'node:crypto';

import { DrillStepError, httpCall } from './drill-client';

/** Base URLs of the services the journey uses, on one site. */
export interface JourneySite {
  readonly registry: string;
  readonly procedures: string;
  readonly letterbox: string;
}

/** The two parties' bearer tokens. */
export interface JourneyTokens {
  /** The applicant (role citizen, subject = their national id). */
  readonly citizen: string;
  /** The handling organisation's back office (an agency token of organisation `cae`). */
  readonly backOffice: string;
}

/** A step of a case's timeline, as `GET /submissions/{id}/timeline` lists it. */
export interface TimelineStep {
  readonly at: string;
  readonly step: string;
  readonly actor: { readonly kind: string; readonly id: string; readonly organisationId?: string };
  readonly details: Record<string, unknown>;
  readonly version: number;
}

/** What one journey did, for the caller to check. */
export interface JourneyResult {
  readonly caseId: string;
  /** The sources the preview offered, with the person's standing Yes/No as the default. */
  readonly previewSources: readonly { source: string; fields: string[]; default: boolean }[];
  /** The fields the prefill filled, by form field. */
  readonly prefilledFields: readonly string[];
  readonly letterId: string;
  /** The decision letter's state after the receipt, as the person's box shows it. */
  readonly letterState: string;
  /** SHA-256 of the document bytes served to the person (checked against the header). */
  readonly documentSha256: string;
  readonly timeline: readonly TimelineStep[];
}

/** The procedure the journey runs and the back office's purpose for its own registry read. */
export const JOURNEY_PROCEDURE = 'family-allowance';
export const BACK_OFFICE_PURPOSE = 'family-allowance-eligibility';

/** How long the decision letter may take to reach the box (the reactor's grace included). */
const LETTER_TIMEOUT_MS = 30_000;

/**
 * The applicant starts the family-allowance procedure, sees the preview, accepts the register
 * of persons and declines the personal space, submits; the back office of cae receives it,
 * reviews, reads the person's record in the registry itself (purpose
 * {@link BACK_OFFICE_PURPOSE}, `X-Procedure`), asks a question, the applicant answers, the back
 * office approves; the decision letter arrives in the applicant's letter box, who reads it and
 * confirms receipt. Every call's status is checked (a {@link DrillStepError} otherwise);
 * `key` makes the idempotency keys unique per journey.
 */
export async function familyAllowanceJourney(
  site: JourneySite,
  tokens: JourneyTokens,
  nationalId: string,
  key: string,
): Promise<JourneyResult> {
  const P = site.procedures;
  const step = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    token: string,
    name: string,
    body?: unknown,
    expected: readonly number[] = [200, 201],
  ): Promise<Record<string, unknown>> => {
    const answer = await httpCall(method, url, token, {
      ...(body === undefined ? {} : { body }),
      expected,
      ...(method === 'GET' ? {} : { idempotencyKey: `${key}-${name}` }),
    });
    return (answer.json ?? {}) as Record<string, unknown>;
  };

  // Something in the personal space, so that declining it is a real choice.
  await step('PUT', `${P}/personal-space/bank-account`, tokens.citizen, 'bank-account', {
    value: 'LU28 0019 4006 4475 0000',
  });
  const draft = await step('POST', `${P}/drafts`, tokens.citizen, 'draft', {
    procedureId: JOURNEY_PROCEDURE,
  });
  const caseId = String(draft['caseId']);
  const preview = await step(
    'POST',
    `${P}/drafts/${caseId}/prefill-preview`,
    tokens.citizen,
    'preview',
  );
  const prefilled = await step('POST', `${P}/drafts/${caseId}/prefill`, tokens.citizen, 'prefill', {
    previewId: preview['previewId'],
    sources: { persons: true, 'personal-space': false },
  });
  await step('POST', `${P}/drafts/${caseId}/submit`, tokens.citizen, 'submit', {
    form: {
      bankAccount: 'LU280019400644750000',
      childGivenNames: 'Léa',
      childFamilyName: 'Schmit',
      childBirthDate: '2026-01-15',
    },
  });

  for (const name of ['receive', 'start-review']) {
    await step('POST', `${P}/submissions/${caseId}/${name}`, tokens.backOffice, name);
  }
  // The back office's own read of the person's record, on its legal basis, for this procedure.
  await httpCall('GET', `${site.registry}/persons/${nationalId}`, tokens.backOffice, {
    headers: { 'x-purpose': BACK_OFFICE_PURPOSE, 'x-procedure': JOURNEY_PROCEDURE },
  });
  await step('POST', `${P}/submissions/${caseId}/request-information`, tokens.backOffice, 'ask', {
    question: 'Does Léa live with you?',
  });
  await step('POST', `${P}/submissions/${caseId}/information`, tokens.citizen, 'answer', {
    answer: 'Yes, at the same address.',
  });
  await step('POST', `${P}/submissions/${caseId}/decide`, tokens.backOffice, 'decide', {
    outcome: 'approved',
    reason: 'The child lives in the household.',
  });

  // The decision letter, in the person's box (sent at once, or by the reactor soon after).
  const L = site.letterbox;
  const letterId = await waitForLetter(L, tokens.citizen, caseId);
  const content = await fetch(`${L}/letters/${letterId}/content`, {
    headers: { authorization: `Bearer ${tokens.citizen}` },
  });
  if (content.status !== 200) {
    throw new DrillStepError(`GET ${L}/letters/${letterId}/content answered ${content.status}`);
  }
  const documentSha256 = createHash('sha256')
    .update(Buffer.from(await content.arrayBuffer()))
    .digest('hex');
  if (content.headers.get('x-content-sha256') !== documentSha256) {
    throw new DrillStepError(`the decision letter's bytes do not match their SHA-256 header`);
  }
  const receipt = await step('POST', `${L}/letters/${letterId}/receipt`, tokens.citizen, 'receipt');

  const timeline = await step('GET', `${P}/submissions/${caseId}/timeline`, tokens.citizen, 't');
  return {
    caseId,
    previewSources: (preview['sources'] ?? []) as JourneyResult['previewSources'],
    prefilledFields: Object.keys(prefilled['fields'] ?? {}),
    letterId,
    letterState: String(receipt['state']),
    documentSha256,
    timeline: (timeline['steps'] ?? []) as TimelineStep[],
  };
}

async function waitForLetter(letterbox: string, citizen: string, caseId: string): Promise<string> {
  const deadline = Date.now() + LETTER_TIMEOUT_MS;
  for (;;) {
    const answer = await httpCall(
      'GET',
      `${letterbox}/letters?procedureId=${encodeURIComponent(caseId)}`,
      citizen,
    );
    const items = ((answer.json as { items?: unknown } | null)?.items ?? []) as {
      letterId: string;
    }[];
    const letter = items[0];
    if (letter !== undefined) return letter.letterId;
    if (Date.now() > deadline) {
      throw new DrillStepError(
        `no decision letter for case ${caseId} after ${LETTER_TIMEOUT_MS} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
