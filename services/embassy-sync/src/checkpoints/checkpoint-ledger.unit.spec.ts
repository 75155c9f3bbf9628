import type { CheckpointPayload, SignedCheckpoint } from './checkpoint';
import { CheckpointLedger } from './checkpoint-ledger';

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

function checkpoint(service: string, position: number, digestOf = position): SignedCheckpoint {
  const payload: CheckpointPayload = {
    service,
    position: String(position),
    digest: digest(digestOf),
    signedAt: '2026-01-01T00:00:00.000Z',
  };
  return { payload, signature: 'sig', keyId: 'ed25519:0000000000000000' };
}

const NOW = new Date('2026-01-01T00:00:01.000Z');
const record = (offset: number) => ({
  topic: 'primary.platform.checkpoints.v1',
  partition: 0,
  offset: String(offset),
});

describe('CheckpointLedger', () => {
  it('keeps the newest checkpoint pending; an older one arriving later is superseded', () => {
    const ledger = new CheckpointLedger(['registry']);
    ledger.received(checkpoint('registry', 10), NOW);
    ledger.received(checkpoint('registry', 20), NOW);
    ledger.received(checkpoint('registry', 15), NOW);

    expect(ledger.pending('registry')?.position).toBe(20n);
    expect(ledger.snapshot().services['registry']).toMatchObject({ received: 3, superseded: 2 });
  });

  it('verifies a pending checkpoint whose digest matches, and supersedes positions up to it', () => {
    const ledger = new CheckpointLedger(['registry']);
    ledger.received(checkpoint('registry', 20), NOW);
    const pending = ledger.pending('registry');
    if (!pending) throw new Error('nothing pending');

    expect(ledger.compared(pending, digest(20), NOW)).toBe('verified');
    expect(ledger.pending('registry')).toBeNull();

    ledger.received(checkpoint('registry', 20), NOW);
    ledger.received(checkpoint('registry', 19), NOW);
    expect(ledger.pending('registry')).toBeNull();

    const services = ledger.snapshot().services;
    expect(services['registry']).toMatchObject({
      verified: 1,
      superseded: 2,
      lastVerified: { position: '20', digest: digest(20), comparedAt: NOW },
      mismatches: [],
    });
  });

  it('records a mismatch with both digests', () => {
    const ledger = new CheckpointLedger(['registry']);
    ledger.received(checkpoint('registry', 7), NOW);
    const pending = ledger.pending('registry');
    if (!pending) throw new Error('nothing pending');

    expect(ledger.compared(pending, digest(999), NOW)).toBe('mismatch');

    expect(ledger.snapshot().services['registry']).toMatchObject({
      verified: 0,
      lastVerified: null,
      mismatches: [{ position: '7', digest: digest(7), actual: digest(999) }],
    });
  });

  it('ignores checkpoints of services it does not watch', () => {
    const ledger = new CheckpointLedger(['registry']);

    expect(ledger.received(checkpoint('consent', 1), NOW)).toBe(false);
    expect(ledger.snapshot().ignored).toBe(1);
  });

  it('counts a refused or undecodable record once, however often it is handed over', () => {
    const ledger = new CheckpointLedger(['registry']);
    const refusal = {
      problem: 'bad-signature' as const,
      checkpoint: checkpoint('registry', 3),
      record: record(5),
      at: NOW,
    };
    ledger.refused(refusal);
    ledger.refused(refusal);
    ledger.undecodable({ error: 'not JSON', record: record(6), at: NOW });
    ledger.undecodable({ error: 'not JSON', record: record(6), at: NOW });

    const snapshot = ledger.snapshot();
    expect(snapshot.refused.total).toBe(1);
    expect(snapshot.undecodable.total).toBe(1);
    expect(snapshot.refused.recent).toEqual([refusal]);
  });
});
