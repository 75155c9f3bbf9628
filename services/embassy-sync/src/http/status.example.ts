import type { SyncHistory, SyncStatus } from '../status/sync-status';

const DIGEST = 'sha256:5f1c0e0d3a4b7e2f9d8c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e';

/** `GET /status` on the embassy, in the OpenAPI document; typed so that it cannot drift. */
export const STATUS_EXAMPLE: SyncStatus = {
  service: 'embassy-sync',
  site: 'embassy',
  alarm: { state: 'ok', reasons: [] },
  services: [
    {
      service: 'registry',
      topic: 'registry.events.v1',
      primary: {
        url: 'http://127.0.0.1:3001',
        up: true,
        error: null,
        role: 'primary',
        head: '120351',
        headRecordedAt: '2026-11-22T09:15:02.611Z',
        replicaRunning: false,
        halted: [],
        deadLetters: [],
        readAt: '2026-11-22T09:15:02.700Z',
      },
      embassy: {
        url: 'http://127.0.0.1:4001',
        up: true,
        error: null,
        role: 'replica',
        head: '120345',
        headRecordedAt: '2026-11-22T09:15:02.311Z',
        replicaRunning: true,
        halted: [],
        deadLetters: [],
        readAt: '2026-11-22T09:15:02.702Z',
      },
      lag: { events: 6, ms: 300, basis: 'live' },
      window: {
        minutes: 5,
        samples: 300,
        lagEvents: { p50: 2, p99: 9, max: 14 },
        lagMs: { p50: 95, p99: 610, max: 840 },
      },
      checkpoints: {
        lastSigned: null,
        signed: 0,
        lastReceived: {
          position: '120300',
          digest: DIGEST,
          signedAt: '2026-11-22T09:15:00.002Z',
          receivedAt: '2026-11-22T09:15:00.190Z',
        },
        received: 61,
        pending: 0,
        pendingPosition: null,
        superseded: 0,
        lastVerified: {
          position: '120300',
          digest: DIGEST,
          signedAt: '2026-11-22T09:15:00.002Z',
          verifiedAt: '2026-11-22T09:15:00.704Z',
        },
        verified: 61,
        mismatches: 0,
      },
      polledAt: '2026-11-22T09:15:02.702Z',
    },
  ],
  checkpoints: {
    signing: {
      enabled: true,
      keyId: 'ed25519:3f9a0c1d2e4b5a69',
      topic: 'platform.checkpoints.v1',
      intervalMs: 5000,
    },
    verifying: {
      enabled: true,
      keyId: 'ed25519:3f9a0c1d2e4b5a69',
      topic: 'primary.platform.checkpoints.v1',
      consumer: 'running',
      error: null,
    },
    badSignatures: 0,
    undecodable: 0,
    ignored: 0,
  },
  pollIntervalMs: 1000,
  at: '2026-11-22T09:15:02.705Z',
};

/** `GET /status/history` on the embassy, in the OpenAPI document. */
export const HISTORY_EXAMPLE: SyncHistory = {
  service: 'embassy-sync',
  site: 'embassy',
  minutes: 5,
  pollIntervalMs: 1000,
  services: [
    {
      service: 'registry',
      samples: [
        { at: '2026-11-22T09:15:00.700Z', events: 2, ms: 95 },
        { at: '2026-11-22T09:15:01.701Z', events: 14, ms: 840 },
        { at: '2026-11-22T09:15:02.702Z', events: 6, ms: 300 },
      ],
    },
  ],
  at: '2026-11-22T09:15:02.705Z',
};
