import { ApplicationError } from '@gov/platform-chassis';
import { isDataCategory } from '@gov/platform-legal-bases';
import type {
  ConsentDecision,
  ConsentDecisionRequest,
  ConsentDecisions,
} from '@gov/registry-application';

/** How long the registry waits for a decision before it refuses the read (503). */
const DECISION_TIMEOUT_MS = 2_000;

/**
 * The consent service's decision API over HTTP (`POST {baseUrl}/decisions`), asked with the
 * agency's own token: the decision is for the token's organisation. The registry records the
 * read itself (`accessRecordedBy: "registry"`), so the permit is not a second access entry.
 *
 * Fail closed: when the consent service cannot be asked or answers an error of its own, the
 * read is refused with 503 (never served without a decision); a 4xx of the consent service
 * is a deny.
 */
export class HttpConsentDecisions implements ConsentDecisions {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = DECISION_TIMEOUT_MS,
  ) {}

  async decide(request: ConsentDecisionRequest): Promise<ConsentDecision> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/decisions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${request.bearerToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          subject: request.subject,
          categories: request.categories,
          purpose: request.purpose,
          accessRecordedBy: 'registry',
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw unavailable(`the consent service did not answer: ${String(error)}`);
    }
    const body = await response.json().catch((): unknown => undefined);
    if (response.status >= 500 || body === undefined) {
      throw unavailable(`the consent service answered ${String(response.status)}`);
    }
    if (response.status >= 400) {
      return { kind: 'deny', reason: problemDetail(body) ?? `HTTP ${String(response.status)}` };
    }
    return decisionOf(body);
  }
}

function unavailable(detail: string): ApplicationError {
  return ApplicationError.serviceUnavailable(
    `the person's consent cannot be checked now (${detail}); the read is refused`,
    { retryAfterSeconds: 5 },
  );
}

function problemDetail(body: unknown): string | undefined {
  const detail = (body as { detail?: unknown } | null)?.detail;
  return typeof detail === 'string' ? detail : undefined;
}

/** The decision as the consent service answers it (`decision`, `consentId`, `categories`). */
function decisionOf(body: unknown): ConsentDecision {
  const answer = body as {
    decision?: unknown;
    consentId?: unknown;
    categories?: unknown;
    reason?: unknown;
  };
  if (answer.decision === 'deny') {
    return {
      kind: 'deny',
      reason: typeof answer.reason === 'string' ? answer.reason : 'no consent permits it',
    };
  }
  if (
    answer.decision !== 'permit' ||
    typeof answer.consentId !== 'string' ||
    !Array.isArray(answer.categories)
  ) {
    // A permit on a legal basis, or an answer the registry does not understand: the registry
    // decided the legal bases itself, so only a consent's permit may serve the read.
    return {
      kind: 'deny',
      reason: 'the consent service permitted on something else than a consent',
    };
  }
  return {
    kind: 'permit',
    consentId: answer.consentId,
    categories: answer.categories
      .filter((category): category is string => typeof category === 'string')
      .filter(isDataCategory),
  };
}
