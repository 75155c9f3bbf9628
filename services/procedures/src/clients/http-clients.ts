import type { OwnToken } from '@gov/platform-auth';
import { ApplicationError } from '@gov/platform-chassis';
import type {
  ConsentArtefact,
  ConsentLookup,
  Letter,
  Letterbox,
  PrefillPreferences,
  RegistryReads,
} from '@gov/procedures-application';
import type { PrefillSource } from '@gov/procedures-domain';

/**
 * The `code` of the 422 that relays the registry's 404 for a record the prefill reads (a
 * vehicle's registration number the person typed, say): the portal shows it next to the field.
 */
export const RECORD_NOT_IN_REGISTER = 'RECORD_NOT_IN_REGISTER';

/** The purpose the prefill reads state to the registry (the legal basis's purpose). */
export const PREFILL_PURPOSE = 'procedure-prefill';

interface Call {
  readonly method?: 'GET' | 'POST';
  readonly token: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/**
 * The calls the procedures service makes to the registry, consent and letterbox services, over
 * HTTP with a time limit. What another service refuses or cannot answer becomes a clear
 * problem for the caller: 503 when it cannot be reached or fails, 422 when it refuses.
 */
export class PlatformHttpClients
  implements RegistryReads, PrefillPreferences, Letterbox, ConsentLookup
{
  constructor(
    private readonly urls: {
      readonly registry: string | undefined;
      readonly consent: string | undefined;
      readonly letterbox: string | undefined;
    },
    private readonly serviceToken: OwnToken,
    private readonly timeoutMs: number,
  ) {}

  person(nationalId: string, procedureId: string): Promise<Record<string, unknown>> {
    return this.registryRead(`/persons/${encodeURIComponent(nationalId)}`, procedureId);
  }

  business(businessNumber: string, procedureId: string): Promise<Record<string, unknown>> {
    return this.registryRead(`/businesses/${encodeURIComponent(businessNumber)}`, procedureId);
  }

  vehicle(registrationNumber: string, procedureId: string): Promise<Record<string, unknown>> {
    return this.registryRead(`/vehicles/${encodeURIComponent(registrationNumber)}`, procedureId);
  }

  async answer(nationalId: string, source: PrefillSource, procedureId: string) {
    const query = new URLSearchParams({ source, procedure: procedureId });
    const response = await this.call(
      'consent',
      `${this.base('consent', this.urls.consent)}/prefill-preferences/${encodeURIComponent(nationalId)}?${query.toString()}`,
      { token: await this.serviceToken.get() },
    );
    if (!response.ok) throw this.failure('consent', response.status);
    const body = (await response.json()) as { prefill?: unknown; rule?: unknown };
    return {
      prefill: body.prefill === true,
      rule: typeof body.rule === 'string' ? body.rule : 'default',
    };
  }

  async deliver(letter: Letter, bearerToken: string, idempotencyKey: string) {
    const base = this.base('letterbox', this.urls.letterbox);
    // With the service's own token (the reactor's retry), the letter is still the back
    // office's: the letterbox accepts onBehalfOf from its delivery agents only.
    const onBehalf = bearerToken === (await this.serviceToken.get());
    const response = await this.call('letterbox', `${base}/letters`, {
      method: 'POST',
      token: bearerToken,
      headers: { 'idempotency-key': idempotencyKey },
      body: {
        recipient: { kind: 'person', id: letter.recipientNationalId },
        subject: letter.subject,
        procedureId: letter.caseId,
        contentType: 'application/pdf',
        content: Buffer.from(letter.pdf).toString('base64'),
        retentionDays: 3650,
        // A decision has legal effect: the back office learns that the person received it.
        receiptRequested: true,
        // One letter per decision, whether the back office or the reactor (on its behalf)
        // delivers it: the letterbox names the letter after the sender and this reference.
        reference: idempotencyKey,
        ...(onBehalf ? { onBehalfOf: letter.organisationId } : {}),
      },
    });
    if (!response.ok) throw this.failure('letterbox', response.status);
    const body = (await response.json()) as { letterId?: unknown; sha256?: unknown };
    if (typeof body.letterId !== 'string' || typeof body.sha256 !== 'string') {
      throw ApplicationError.serviceUnavailable('the letterbox answered without a letter id');
    }
    return { letterId: body.letterId, sha256: body.sha256 };
  }

  async consent(consentId: string, bearerToken: string): Promise<ConsentArtefact | undefined> {
    const response = await this.call(
      'consent',
      `${this.base('consent', this.urls.consent)}/consents/${encodeURIComponent(consentId)}`,
      { token: bearerToken },
    );
    if (response.status === 404 || response.status === 403 || response.status === 400) {
      return undefined;
    }
    if (!response.ok) throw this.failure('consent', response.status);
    const body = (await response.json()) as Record<string, unknown>;
    return {
      consentId: String(body['consentId']),
      subject: String(body['subject']),
      organisationId: String(body['organisationId']),
      categories: Array.isArray(body['categories']) ? body['categories'].map(String) : [],
      purpose: String(body['purpose']),
      procedureId: typeof body['procedureId'] === 'string' ? body['procedureId'] : null,
      status: String(body['status']),
    };
  }

  private async registryRead(path: string, procedureId: string): Promise<Record<string, unknown>> {
    const base = this.base('registry', this.urls.registry);
    const response = await this.call('registry', `${base}${path}`, {
      token: await this.serviceToken.get(),
      headers: { 'x-purpose': PREFILL_PURPOSE, 'x-procedure': procedureId },
    });
    if (response.status === 404) {
      throw ApplicationError.unprocessable('the registry has no such record', {
        extensions: { code: RECORD_NOT_IN_REGISTER },
      });
    }
    if (!response.ok) throw this.failure('registry', response.status);
    return (await response.json()) as Record<string, unknown>;
  }

  private async call(service: string, url: string, call: Call): Promise<Response> {
    try {
      const response = await fetch(url, {
        method: call.method ?? 'GET',
        headers: {
          authorization: `Bearer ${call.token}`,
          accept: 'application/json',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...call.headers,
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status === 401) this.serviceToken.invalidate();
      return response;
    } catch (error) {
      throw ApplicationError.serviceUnavailable(`the ${service} service cannot be reached`, {
        cause: error,
      });
    }
  }

  private base(service: string, url: string | undefined): string {
    if (url === undefined) {
      throw ApplicationError.serviceUnavailable(
        `no ${service} service is configured (${service.toUpperCase()}_URL)`,
      );
    }
    return url;
  }

  private failure(service: string, status: number): ApplicationError {
    return status >= 500 || status === 401
      ? ApplicationError.serviceUnavailable(`the ${service} service failed (${status})`)
      : ApplicationError.unprocessable(`the ${service} service refused (${status})`);
  }
}
