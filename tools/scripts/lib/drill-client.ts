// HTTP calls the failover drill makes to the services of the two sites, with clear errors.
import type { ReplicationStatus } from '@gov/platform-replication';

/** Thrown when a service answers something the drill did not expect. */
export class DrillStepError extends Error {
  override readonly name = 'DrillStepError';
}

/** What {@link httpCall} is to send and accept. */
export interface HttpCall {
  readonly body?: unknown;
  /** The statuses that are not an error (default 200). */
  readonly expected?: readonly number[];
  readonly idempotencyKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One JSON call with a bearer token; a status outside `expected` throws a
 * {@link DrillStepError} naming the call, the status and the start of the answer.
 */
export async function httpCall(
  method: string,
  url: string,
  token: string,
  call: HttpCall = {},
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const { body, expected = [200], idempotencyKey } = call;
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      ...call.headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!expected.includes(response.status)) {
    throw new DrillStepError(`${method} ${url} answered ${response.status}: ${text.slice(0, 400)}`);
  }
  const json =
    text === '' || !/json/.test(response.headers.get('content-type') ?? 'json')
      ? null
      : (JSON.parse(text) as unknown);
  return { status: response.status, json, headers: response.headers };
}

function call(
  method: string,
  url: string,
  token: string,
  body?: unknown,
  expected: readonly number[] = [200],
  idempotencyKey?: string,
): Promise<{ status: number; json: unknown }> {
  return httpCall(method, url, token, {
    body,
    expected,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
}

/** What `GET /replication/digest` answers. */
export interface ServiceDigests {
  readonly service: string;
  readonly position: string;
  readonly digest: string;
  readonly projections: Readonly<
    Record<string, { readonly position: string; readonly digest: string; readonly rows: number }>
  >;
}

/** The replication routes and the few register routes the drill uses, on one service. */
export class ServiceClient {
  constructor(
    readonly baseUrl: string,
    private readonly operatorToken: string,
  ) {}

  async status(): Promise<ReplicationStatus> {
    return (await call('GET', `${this.baseUrl}/replication/status`, this.operatorToken))
      .json as ReplicationStatus;
  }

  /** The digest of the log at `position`. */
  async digest(position: bigint): Promise<string> {
    return (await this.digests(position)).digest;
  }

  /** The digest of the log at `position`, and of each projection at its checkpoint. */
  async digests(position: bigint): Promise<ServiceDigests> {
    const { json } = await call(
      'GET',
      `${this.baseUrl}/replication/digest?position=${position}`,
      this.operatorToken,
    );
    return json as ServiceDigests;
  }

  /** POST /corrections as the citizen; returns the correction id. */
  async requestCorrection(citizenToken: string, key: string, body: unknown): Promise<string> {
    const { json } = await call(
      'POST',
      `${this.baseUrl}/corrections`,
      citizenToken,
      body,
      [201],
      key,
    );
    return (json as { correctionId: string }).correctionId;
  }

  /** POST /corrections/{id}/accept or /reject as a registrar. */
  async decideCorrection(
    registrarToken: string,
    correctionId: string,
    decision: 'accept' | 'reject',
  ): Promise<void> {
    await call(
      'POST',
      `${this.baseUrl}/corrections/${correctionId}/${decision}`,
      registrarToken,
      decision === 'reject' ? { reason: 'The civil status records show otherwise.' } : {},
    );
  }

  async fence(reason: string): Promise<void> {
    await call('POST', `${this.baseUrl}/replication/fence`, this.operatorToken, { reason });
  }

  async promote(reason: string): Promise<{ position: string; discarded: number }> {
    return (
      await call('POST', `${this.baseUrl}/replication/promote`, this.operatorToken, { reason })
    ).json as { position: string; discarded: number };
  }

  async demote(reason: string): Promise<void> {
    await call('POST', `${this.baseUrl}/replication/demote`, this.operatorToken, { reason });
  }

  /** POST /persons/{id}/erasure as a registrar of the persons register. */
  async erasePerson(
    registrarToken: string,
    key: string,
    nationalId: string,
    legalGround: string,
  ): Promise<void> {
    await call(
      'POST',
      `${this.baseUrl}/persons/${nationalId}/erasure`,
      registrarToken,
      { legalGround },
      [200],
      key,
    );
  }

  /** POST /persons; returns the new national identification number. */
  async registerPerson(token: string, key: string, body: unknown): Promise<string> {
    const response = await fetch(`${this.baseUrl}/persons`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 201) {
      throw new DrillStepError(`POST /persons answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return (JSON.parse(text) as { nationalId: string }).nationalId;
  }

  /** POST /persons/batch; returns the new national identification numbers, in order. */
  async registerPersons(
    token: string,
    key: string,
    persons: readonly unknown[],
  ): Promise<string[]> {
    const response = await fetch(`${this.baseUrl}/persons/batch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({ persons }),
    });
    const text = await response.text();
    if (response.status !== 201) {
      throw new DrillStepError(
        `POST /persons/batch answered ${response.status}: ${text.slice(0, 300)}`,
      );
    }
    return (JSON.parse(text) as { registered: { nationalId: string }[] }).registered.map(
      (r) => r.nationalId,
    );
  }

  /** POST /consents as the person; returns the new consent's id. */
  async grantConsent(citizenToken: string, key: string, body: unknown): Promise<string> {
    const { json } = await call('POST', `${this.baseUrl}/consents`, citizenToken, body, [201], key);
    return (json as { consentId: string }).consentId;
  }

  /** GET /persons/{id} as an agency declaring `purpose`; throws unless 200. */
  async readPersonAsAgency(
    agencyToken: string,
    nationalId: string,
    purpose: string,
  ): Promise<void> {
    const response = await fetch(`${this.baseUrl}/persons/${nationalId}`, {
      headers: { authorization: `Bearer ${agencyToken}`, 'x-purpose': purpose },
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new DrillStepError(
        `GET /persons/${nationalId} (agency, ${purpose}) answered ${response.status}: ${text.slice(0, 300)}`,
      );
    }
  }

  /** GET /persons/{id} as the person themself; returns the HTTP status. */
  async readPerson(citizenToken: string, nationalId: string): Promise<number> {
    const response = await fetch(`${this.baseUrl}/persons/${nationalId}`, {
      headers: { authorization: `Bearer ${citizenToken}` },
    });
    await response.arrayBuffer();
    return response.status;
  }
}
