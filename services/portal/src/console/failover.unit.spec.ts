import type { ReplicationDigest, ReplicationStatus } from './console-api';
import { failOverToEmbassy, FailoverStepError } from './failover';
import type { FailoverTiming, ReplicationCalls } from './failover';

/** Two sites of one service in memory: the embassy applies one event per status read. */
class FakeSites implements ReplicationCalls {
  readonly calls: string[] = [];
  role = { primary: 'primary', embassy: 'replica' } as Record<string, string>;
  head = { primary: 5, embassy: 2 } as Record<string, number>;
  published = 4;
  embassyDigest = (position: string): string => `sha256:${position}`;

  private site(url: string): 'primary' | 'embassy' {
    return url.includes('primary') ? 'primary' : 'embassy';
  }

  status(url: string, service: string): Promise<ReplicationStatus> {
    const site = this.site(url);
    if (site === 'primary' && this.published < (this.head['primary'] ?? 0)) this.published += 1;
    if (site === 'embassy' && (this.head['embassy'] ?? 0) < this.published) {
      this.head['embassy'] = (this.head['embassy'] ?? 0) + 1;
    }
    return Promise.resolve({
      service,
      role: this.role[site] ?? '',
      roleChange: null,
      head: String(this.head[site]),
      headRecordedAt: null,
      unpositioned: 0,
      relays: site === 'primary' ? { [`${service}.events.v1`]: String(this.published) } : {},
      replica: { running: site === 'embassy', halted: [], deadLetters: [] },
    });
  }

  fence(url: string, _service: string, reason: string): Promise<unknown> {
    this.calls.push(`fence ${this.site(url)} (${reason})`);
    this.role[this.site(url)] = 'fenced';
    return Promise.resolve({});
  }

  digest(url: string, service: string, position: string): Promise<ReplicationDigest> {
    const site = this.site(url);
    this.calls.push(`digest ${site} ${position}`);
    return Promise.resolve({
      service,
      position,
      digest: site === 'primary' ? `sha256:${position}` : this.embassyDigest(position),
      projections: { persons: { position, digest: 'sha256:p', rows: 1 } },
    });
  }

  promote(url: string, _service: string, reason: string) {
    this.calls.push(`promote ${this.site(url)} (${reason})`);
    this.role[this.site(url)] = 'primary';
    return Promise.resolve({
      role: 'primary',
      position: String(this.head['embassy']),
      discarded: 0,
      changedAt: '2026-11-22T09:15:00.000Z',
    });
  }
}

const timing = (limit = 1_000): FailoverTiming => {
  let clock = 0;
  return {
    drainTimeoutMs: limit,
    pollMs: 10,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    now: () => clock,
  };
};

const TARGET = {
  name: 'registry',
  primaryUrl: 'http://primary:3001',
  embassyUrl: 'http://embassy:4001',
};

describe('failOverToEmbassy', () => {
  it('fences, waits for the drain, compares digests at the head, then promotes', async () => {
    const sites = new FakeSites();

    const [result] = await failOverToEmbassy([TARGET], 'planned', sites, timing());

    expect(result).toEqual({
      service: 'registry',
      ok: true,
      head: '5',
      digest: 'sha256:5',
      position: '5',
      discarded: 0,
    });
    expect(sites.calls).toEqual([
      'fence primary (planned)',
      'digest primary 5',
      'digest embassy 5',
      'promote embassy (planned)',
    ]);
  });

  it('does not promote when the digests differ; the home site stays fenced', async () => {
    const sites = new FakeSites();
    sites.embassyDigest = () => 'sha256:other';

    const [result] = await failOverToEmbassy([TARGET], 'planned', sites, timing());

    expect(result?.ok).toBe(false);
    const error = result?.ok === false ? result.error : undefined;
    expect(error).toBeInstanceOf(FailoverStepError);
    expect((error as FailoverStepError).kind).toBe('mismatch');
    expect(sites.calls.some((call) => call.startsWith('promote'))).toBe(false);
    expect(sites.role).toEqual({ primary: 'fenced', embassy: 'replica' });
  });

  it('gives up when the embassy does not catch up in time', async () => {
    const sites = new FakeSites();
    sites.status = async function (url, service) {
      const status = await FakeSites.prototype.status.call(this, url, service);
      return url.includes('embassy') ? { ...status, head: '0' } : status;
    };

    const [result] = await failOverToEmbassy([TARGET], 'planned', sites, timing(200));

    expect(result?.ok === false && (result.error as FailoverStepError).kind).toBe('timeout');
    expect(sites.calls.some((call) => call.startsWith('promote'))).toBe(false);
  });

  it('refuses a home site that is a replica, and goes on with an already fenced one', async () => {
    const replica = new FakeSites();
    replica.role = { primary: 'replica', embassy: 'primary' };
    const [refused] = await failOverToEmbassy([TARGET], 'again', replica, timing());
    expect(refused?.ok).toBe(false);
    expect(replica.calls).toEqual([]);

    const fenced = new FakeSites();
    fenced.role = { primary: 'fenced', embassy: 'replica' };
    const [done] = await failOverToEmbassy([TARGET], 'again', fenced, timing());
    expect(done?.ok).toBe(true);
    expect(fenced.calls[0]).toBe('digest primary 5');
  });
});
