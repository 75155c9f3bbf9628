import type { BusinessManagers } from '@gov/letterbox-application';
import type { OwnToken } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';

/**
 * The purpose and the legal basis the letterbox states to the registry: the catalogue's
 * `letterbox-business-recipients` (organisation `letterbox`) allows this purpose on a business's
 * number and managers, nothing else.
 */
export const RECIPIENT_CHECK = {
  purpose: 'letter-recipient-check',
  legalBasisId: 'letterbox-business-recipients',
} as const;

/**
 * Who manages a business, read from the registry (`GET /businesses/{number}`) with the
 * letterbox's own agency token on its catalogue legal basis: a citizen's token may not read a
 * business's record there. Anything but an answer (unreachable, time-out, 5xx, a refusal of
 * the letterbox's token or basis) is a 503 for the letter: never access.
 */
export class RegistryBusinessManagers implements BusinessManagers {
  constructor(
    private readonly registryUrl: string,
    private readonly token: OwnToken,
    private readonly timeoutMs: number,
  ) {}

  async managersOf(businessNumber: string): Promise<readonly string[]> {
    let response: Response;
    try {
      response = await fetch(
        `${this.registryUrl}/businesses/${encodeURIComponent(businessNumber)}`,
        {
          headers: {
            authorization: `Bearer ${await this.token.get()}`,
            accept: 'application/json',
            'x-purpose': RECIPIENT_CHECK.purpose,
            'x-legal-basis': RECIPIENT_CHECK.legalBasisId,
          },
          signal: AbortSignal.timeout(this.timeoutMs),
        },
      );
    } catch (error) {
      throw unavailable('cannot be reached', error);
    }
    if (response.status === 404) return [];
    if (response.status === 401) this.token.invalidate();
    if (!response.ok) throw unavailable(`answered ${String(response.status)}`);
    const body = (await response.json().catch(() => undefined)) as
      { managers?: unknown } | undefined;
    if (body === undefined || !Array.isArray(body.managers)) {
      throw unavailable('answered a business without its managers');
    }
    return body.managers.flatMap((manager: unknown) =>
      typeof manager === 'object' &&
      manager !== null &&
      typeof (manager as { nationalId?: unknown }).nationalId === 'string'
        ? [(manager as { nationalId: string }).nationalId]
        : [],
    );
  }
}

function unavailable(what: string, cause?: unknown): ApplicationError {
  return ApplicationError.serviceUnavailable(
    `the registry, which says who manages a business, ${what}: try again later`,
    cause === undefined ? undefined : { cause },
  );
}
