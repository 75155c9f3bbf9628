import { z } from 'zod';

import type { OwnToken } from '@gov/platform-auth';

/** A service's role on a site, as its replication status reports it. */
export type ServiceRole = 'primary' | 'replica' | 'fenced';

/** What embassy-sync reads of a service's `GET /replication/status`. */
export interface SiteReplicationStatus {
  readonly service: string;
  readonly role: ServiceRole;
  /** The gapless head of the log. */
  readonly head: bigint;
  /** When the event at `head` was recorded on the primary; `null` for an empty log. */
  readonly headRecordedAt: Date | null;
  readonly replicaRunning: boolean;
  /** Streams the replica stopped on (a broken hash chain), as reported. */
  readonly halted: readonly Readonly<Record<string, unknown>>[];
  /** Records the replica dead-lettered, as reported. */
  readonly deadLetters: readonly Readonly<Record<string, unknown>>[];
}

/** The outcome of a call: the answer, or why there is none (the site is a state, not a crash). */
export type CallResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** A digest request's answer. */
export type DigestAnswer =
  | { readonly kind: 'digest'; readonly digest: string }
  /** 409: the site's log does not reach the position yet. */
  | { readonly kind: 'not-reached' };

const entries = z.array(z.record(z.string(), z.unknown()));

/** Only what is read; other members may come and go. */
const statusSchema = z.object({
  service: z.string(),
  role: z.enum(['primary', 'replica', 'fenced']),
  head: z.string().regex(/^\d+$/),
  headRecordedAt: z.iso.datetime().nullable(),
  replica: z.object({ running: z.boolean(), halted: entries, deadLetters: entries }),
});

const digestSchema = z.object({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) });

/** Calls the operator-only `/replication` routes of one service on one site. */
export class ReplicationClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: OwnToken,
    private readonly timeoutMs: number,
  ) {}

  async status(): Promise<CallResult<SiteReplicationStatus>> {
    const answer = await this.get('/replication/status');
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return { ok: false, error: describeHttp(answer.value) };
    const parsed = statusSchema.safeParse(answer.value.json);
    if (!parsed.success) {
      return { ok: false, error: 'GET /replication/status answered an unexpected shape' };
    }
    const status = parsed.data;
    return {
      ok: true,
      value: {
        service: status.service,
        role: status.role,
        head: BigInt(status.head),
        headRecordedAt: status.headRecordedAt === null ? null : new Date(status.headRecordedAt),
        replicaRunning: status.replica.running,
        halted: status.replica.halted,
        deadLetters: status.replica.deadLetters,
      },
    };
  }

  async digest(position: bigint): Promise<CallResult<DigestAnswer>> {
    // The signed checkpoints cover the log: the projections' digests are not needed here.
    const answer = await this.get(`/replication/digest?position=${position}&projections=false`);
    if (!answer.ok) return answer;
    if (answer.value.status === 409) return { ok: true, value: { kind: 'not-reached' } };
    if (answer.value.status !== 200) return { ok: false, error: describeHttp(answer.value) };
    const parsed = digestSchema.safeParse(answer.value.json);
    return parsed.success
      ? { ok: true, value: { kind: 'digest', digest: parsed.data.digest } }
      : { ok: false, error: 'GET /replication/digest answered an unexpected shape' };
  }

  private async get(path: string): Promise<CallResult<{ status: number; json: unknown }>> {
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${await this.token.get()}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      if (response.status === 401) this.token.invalidate();
      let json: unknown = null;
      try {
        json = text === '' ? null : JSON.parse(text);
      } catch {
        json = text;
      }
      return { ok: true, value: { status: response.status, json } };
    } catch (error) {
      return { ok: false, error: describeFailure(error, this.timeoutMs) };
    }
  }
}

function describeHttp(answer: { status: number; json: unknown }): string {
  const detail =
    typeof answer.json === 'object' && answer.json !== null && 'detail' in answer.json
      ? String(answer.json.detail)
      : '';
  return `HTTP ${answer.status}${detail === '' ? '' : `: ${detail}`}`;
}

/** One line an operator can act on: `connection refused`, `no answer within 2000 ms`. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
