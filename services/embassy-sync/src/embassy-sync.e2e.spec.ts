import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INestApplicationContext } from '@nestjs/common';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys } from '@gov/platform-auth';
import { EventPublisher } from '@gov/platform-messaging';
import { startTestMessaging } from '@gov/platform-messaging-testing';
import { createTestDatabase, testKafkaEnv, uniqueName, waitFor } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { encodeCheckpoint, keyIdOf, signCheckpoint } from './checkpoints/checkpoint';
import { loadCheckpointKeys } from './checkpoints/checkpoint-keys';
import type { SyncHistory, SyncStatus } from './status/sync-status';
import { parseExposition } from './testing/exposition-parser';
import {
  ServiceProcess,
  freePort,
  migrateRegistry,
  waitUntilReady,
} from './testing/service-process';

const ISSUER = 'embassy-sync-e2e';
const AUDIENCE = 'backbone';

/**
 * Two real registries on one test cluster, one primary and one embassy replaying the primary's
 * topic (standing in for MirrorMaker 2, which only renames it), and an embassy-sync on each
 * site: the primary's signs checkpoints, the embassy's verifies them against its registry.
 */
describe('embassy-sync over a primary and an embassy registry', () => {
  const run = uniqueName('sync');
  // The embassy replays `${REPLICATION_SOURCE}.${its own topic}`: the primary's topic.
  const embassyTopic = `${run}.registry.events.v1`;
  const primaryTopic = `mirror.${embassyTopic}`;
  const checkpointTopic = `${run}.checkpoints.v1`;

  let keysDir: string;
  let keys: LocalSigningKeys;
  let databases: { primary: TestDatabase; embassy: TestDatabase };
  let ports: { primary: number; embassy: number; syncPrimary: number; syncEmbassy: number };
  const processes: { current: ServiceProcess[] } = { current: [] };
  let embassyRegistry: ServiceProcess;
  let syncEmbassy: ServiceProcess;
  let operator: string;
  let registrar: string;
  let messaging: INestApplicationContext;
  let personIndex = 0;

  const url = (port: number): string => `http://127.0.0.1:${port}`;

  /**
   * Starts a registry and waits until it is ready. A registry that fails while creating its
   * topics on the freshly started test broker (seen rarely: UNKNOWN_TOPIC_OR_PARTITION from
   * the Kafka client's wait for leaders) is started once more: that is the registry's start-up,
   * not what this spec is about.
   */
  async function startReadyRegistry(site: 'primary' | 'embassy'): Promise<ServiceProcess> {
    const first = startRegistry(site);
    try {
      await waitUntilReady(url(ports[site]), first);
      return first;
    } catch (error) {
      if (first.running || !first.stderr.includes('admin.ensureTopics')) throw error;
      const second = startRegistry(site);
      await waitUntilReady(url(ports[site]), second);
      return second;
    }
  }

  function startRegistry(site: 'primary' | 'embassy'): ServiceProcess {
    const registry = new ServiceProcess('registry', {
      ...testKafkaEnv(),
      DATABASE_URL: databases[site].url,
      HTTP_PORT: String(ports[site]),
      SITE_ROLE: site,
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      EVENTS_TOPIC: site === 'primary' ? primaryTopic : embassyTopic,
      REPLICATION_SOURCE: 'mirror',
      REPLICATION_GROUP: `${run}.registry.replica.${site}`,
      LOG_LEVEL: 'warn',
    });
    processes.current.push(registry);
    return registry;
  }

  function startSync(site: 'primary' | 'embassy'): ServiceProcess {
    const sync = new ServiceProcess('embassy-sync', {
      ...testKafkaEnv(),
      HTTP_PORT: String(site === 'primary' ? ports.syncPrimary : ports.syncEmbassy),
      SITE_ROLE: site,
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      SYNC_SIGNING_KEY_FILE: keys.privateKeyFile,
      SYNC_SERVICES: `registry=${url(ports.primary)},${url(ports.embassy)}`,
      SYNC_POLL_MS: '200',
      // The lag alarm has its unit test and the two-site e2e; here the stopped embassy must
      // raise exactly 'site-unreachable', however long a loaded machine takes.
      SYNC_LAG_ALARM_MS: String(24 * 3600_000),
      CHECKPOINT_KEY_DIR: join(keysDir, 'checkpoints'),
      CHECKPOINT_INTERVAL_MS: '500',
      CHECKPOINT_TOPIC: checkpointTopic,
      // The spec polls /status until an alarm shows, as often as a loaded machine needs: no
      // request limit (the limits have their own tests, tools/authz).
      RATE_LIMIT_PER_MINUTE: '0',
      ...(site === 'embassy'
        ? { CHECKPOINT_SOURCE_TOPIC: checkpointTopic, CHECKPOINT_GROUP: `${run}.checkpoints` }
        : {}),
      LOG_LEVEL: 'warn',
    });
    processes.current.push(sync);
    return sync;
  }

  async function status(port: number): Promise<SyncStatus> {
    const response = await fetch(`${url(port)}/status`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as SyncStatus;
  }

  /** Waits until the embassy's embassy-sync reports what `condition` wants; returns it. */
  async function statusWhen(
    description: string,
    condition: (status: SyncStatus) => boolean,
    port = ports.syncEmbassy,
  ): Promise<SyncStatus> {
    let last: SyncStatus | undefined;
    await waitFor(
      description,
      async () => {
        last = await status(port);
        return condition(last);
      },
      60_000,
    ).catch((error: unknown) => {
      const logs = processes.current
        .map((p) => `${p.service}:\n${[...p.stdout, p.stderr].slice(-15).join('\n')}`)
        .join('\n');
      // The checkpoint figures first, on one line: a CI report may keep only the message's head.
      const checkpoints = last && {
        verifying: last.checkpoints.verifying,
        registry: last.services[0]?.checkpoints,
        heads: { primary: last.services[0]?.primary.head, embassy: last.services[0]?.embassy.head },
      };
      throw new Error(
        `${String(error)}\ncheckpoints: ${JSON.stringify(checkpoints)}\nlast status: ${JSON.stringify(last, null, 2)}\nlogs:\n${logs}`,
      );
    });
    if (!last) throw new Error('no status');
    return last;
  }

  /** The primary registry's head once nothing it stored waits for a position. */
  async function settledPrimaryHead(): Promise<string> {
    let head: string | undefined;
    await waitFor(
      'every event the primary stored positioned',
      async () => {
        const response = await fetch(`${url(ports.primary)}/replication/status`, {
          headers: { authorization: `Bearer ${operator}` },
        });
        const body = (await response.json()) as {
          head: string;
          highestStored: string;
          unpositioned: number;
        };
        head = body.head;
        return body.unpositioned === 0 && body.head === body.highestStored;
      },
      60_000,
    );
    if (head === undefined) throw new Error('no head');
    return head;
  }

  async function registerPersons(count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      personIndex += 1;
      const response = await fetch(`${url(ports.primary)}/persons`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${registrar}`,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({
          givenNames: 'Anna',
          familyName: 'Schmit',
          birthDate: `19${String(40 + personIndex).padStart(2, '0')}-03-14`,
          placeOfBirth: { locality: 'Luxembourg', country: 'LU' },
          sex: 'F',
          nationalities: ['LU'],
          address: {
            street: 'Grand-Rue',
            houseNumber: String(personIndex),
            postcode: '1660',
            locality: 'Luxembourg',
            country: 'LU',
          },
          civilStatus: 'single',
        }),
      });
      expect(response.status).toBe(201);
    }
  }

  const service = (s: SyncStatus): SyncStatus['services'][number] => {
    const found = s.services[0];
    if (!found) throw new Error('no service in the status');
    return found;
  };

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'embassy-sync-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
    const mint = (role: 'operator' | 'registrar') =>
      mintToken(keys.privateKeyFile, {
        role,
        subject: `${role}-e2e`,
        ...(role === 'registrar' ? { registers: ['persons'] } : {}),
        issuer: ISSUER,
        audience: AUDIENCE,
      });
    operator = await mint('operator');
    registrar = await mint('registrar');
    databases = {
      primary: await createTestDatabase('sync_primary'),
      embassy: await createTestDatabase('sync_embassy'),
    };
    migrateRegistry(databases.primary.url);
    migrateRegistry(databases.embassy.url);
    ports = {
      primary: await freePort(),
      embassy: await freePort(),
      syncPrimary: await freePort(),
      syncEmbassy: await freePort(),
    };
    messaging = await startTestMessaging('embassy-sync-e2e');

    // The primary first: its relay creates the topic the embassy replays.
    await startReadyRegistry('primary');
    const syncPrimary = startSync('primary');
    syncEmbassy = startSync('embassy');
    [embassyRegistry] = await Promise.all([
      startReadyRegistry('embassy'),
      waitUntilReady(url(ports.syncPrimary), syncPrimary),
      waitUntilReady(url(ports.syncEmbassy), syncEmbassy),
    ]);
  });

  afterAll(async () => {
    await Promise.all(processes.current.map((p) => p.stop('SIGKILL')));
    await messaging.close();
    await databases.primary.drop();
    await databases.embassy.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('reports both sites and no lag once the embassy has replayed the primary’s writes', async () => {
    await registerPersons(3);

    const seen = await statusWhen(
      'both heads at 3 or more, equal',
      (s) => Number(service(s).primary.head ?? 0) >= 3 && service(s).lag?.events === 0,
    );

    expect(seen.site).toBe('embassy');
    expect(service(seen)).toMatchObject({
      service: 'registry',
      topic: 'registry.events.v1',
      primary: { up: true, role: 'primary', error: null },
      embassy: { up: true, role: 'replica', replicaRunning: true, halted: [], deadLetters: [] },
      lag: { events: 0, ms: 0, basis: 'live' },
    });
    expect(service(seen).embassy.head).toBe(service(seen).primary.head);
    expect(service(seen).window.samples).toBeGreaterThan(0);
    expect(seen.alarm).toEqual({ state: 'ok', reasons: [] });
  });

  it('verifies the primary’s signed checkpoint against the embassy’s own digest', async () => {
    // The primary's final head, once every event it stored is positioned (positions come after
    // the commit, so a head read earlier may be overtaken before the signer ever sees it), then
    // seen by both instances: each polls on its own schedule, and only the newest checkpoint is
    // verified, so a head from one instance's stale poll may never be.
    const head = await settledPrimaryHead();
    await waitFor(
      `both instances to see the primary's head ${head}`,
      async () => {
        const [signing, verifying] = await Promise.all([
          status(ports.syncPrimary),
          status(ports.syncEmbassy),
        ]);
        return service(signing).primary.head === head && service(verifying).primary.head === head;
      },
      60_000,
    );

    // Signed first, then verified: a failure says which side stopped.
    const signer = await statusWhen(
      `the primary instance signing at ${head}`,
      (s) => service(s).checkpoints.lastSigned?.position === head,
      ports.syncPrimary,
    );
    const verified = await statusWhen(
      `a checkpoint verified at ${head}`,
      (s) => service(s).checkpoints.lastVerified?.position === head,
    );

    const signed = service(signer).checkpoints.lastSigned;
    expect(signer.checkpoints.signing).toMatchObject({ enabled: true, topic: checkpointTopic });
    expect(signer.checkpoints.verifying).toMatchObject({ enabled: false, consumer: 'disabled' });
    expect(verified.checkpoints.verifying).toMatchObject({
      enabled: true,
      topic: checkpointTopic,
      consumer: 'running',
      keyId: signer.checkpoints.signing.keyId,
    });
    expect(service(verified).checkpoints).toMatchObject({
      lastReceived: { position: head, digest: signed?.digest },
      lastVerified: { position: head, digest: signed?.digest },
      mismatches: 0,
    });
    expect(verified.alarm.state).toBe('ok');
    // What the embassy verified is what its registry itself answers at that position.
    const digest = await fetch(`${url(ports.embassy)}/replication/digest?position=${head}`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(((await digest.json()) as { digest: string }).digest).toBe(signed?.digest);
  });

  it('reports a growing lag while the embassy registry is stopped, and none after its restart', async () => {
    const before = service(await status(ports.syncEmbassy));
    await embassyRegistry.stop('SIGTERM');

    await registerPersons(5);
    const behind = await statusWhen(
      'the embassy down, 5 events behind, with the new checkpoint pending',
      (s) =>
        !service(s).embassy.up &&
        (service(s).lag?.events ?? 0) >= 5 &&
        service(s).checkpoints.pendingPosition === service(s).primary.head,
    );

    expect(service(behind).embassy).toMatchObject({
      up: false,
      error: 'connection refused',
      head: before.embassy.head,
    });
    expect(service(behind).lag?.basis).toBe('stale');
    expect(service(behind).lag?.events).toBe(
      Number(service(behind).primary.head) - Number(before.embassy.head),
    );
    expect(service(behind).lag?.ms).toBeGreaterThan(0);
    expect(behind.alarm.state).toBe('alarm');
    expect(behind.alarm.reasons).toHaveLength(1);
    expect(behind.alarm.reasons).toMatchObject([
      { code: 'site-unreachable', service: 'registry', site: 'embassy' },
    ]);
    expect(service(behind).checkpoints.pending).toBe(1);

    embassyRegistry = await startReadyRegistry('embassy');
    const caughtUp = await statusWhen(
      'the embassy caught up and the latest checkpoint verified',
      (s) =>
        service(s).lag?.events === 0 &&
        service(s).lag?.basis === 'live' &&
        service(s).checkpoints.lastVerified?.position === service(s).primary.head,
    );

    expect(service(caughtUp).lag).toEqual({ events: 0, ms: 0, basis: 'live' });
    expect(service(caughtUp).window.lagEvents?.max).toBeGreaterThanOrEqual(5);
    expect(service(caughtUp).checkpoints.pending).toBe(0);
    expect(caughtUp.alarm).toEqual({ state: 'ok', reasons: [] });

    // The same samples over time, for the console's chart: the spike while it was down, then 0.
    const response = await fetch(`${url(ports.syncEmbassy)}/status/history?points=600`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(response.status).toBe(200);
    const history = (await response.json()) as SyncHistory;
    const samples = history.services.find((s) => s.service === 'registry')?.samples ?? [];
    expect(Math.max(...samples.map((s) => s.events))).toBeGreaterThanOrEqual(5);
    expect(samples.at(-1)?.events).toBe(0);
    expect(samples.map((s) => s.at)).toEqual(samples.map((s) => s.at).sort());
  });

  it('serves /metrics as valid Prometheus text, with the figures of /status', async () => {
    const response = await fetch(`${url(ports.syncEmbassy)}/metrics`);
    const text = await response.text();
    const current = service(await status(ports.syncEmbassy));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(text);
    const sample = (name: string, labels: Record<string, string> = {}) =>
      families
        .get(name)
        ?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const labels = { service: 'registry', topic: 'registry.events.v1' };
    expect(sample('embassy_sync_primary_head', labels)).toBe(Number(current.primary.head));
    expect(sample('embassy_sync_lag_events', labels)).toBe(0);
    expect(sample('embassy_sync_lag_seconds', labels)).toBe(0);
    expect(sample('embassy_sync_site_up', { service: 'registry', site: 'embassy' })).toBe(1);
    expect(sample('embassy_sync_checkpoint_verified_position', labels)).toBe(
      Number(current.checkpoints.lastVerified?.position),
    );
    expect(
      sample('embassy_sync_lag_window_events', { ...labels, quantile: '0.99' }),
    ).toBeGreaterThanOrEqual(5);
    expect(sample('embassy_sync_alarm')).toBe(0);
    expect(families.get('embassy_sync_checkpoint_bad_signatures_total')?.type).toBe('counter');
  });

  it('raises the alarm for a checkpoint with a wrong signature, and for one that does not decode', async () => {
    const signer = await status(ports.syncPrimary);
    const keyId = signer.checkpoints.signing.keyId ?? '';
    const head = service(signer).primary.head ?? '0';
    const { privateKey } = generateKeyPairSync('ed25519');
    // Signed by another key that claims to be the primary's.
    const forged = {
      ...signCheckpoint(
        {
          service: 'registry',
          position: head,
          digest: `sha256:${'0'.repeat(64)}`,
          signedAt: new Date().toISOString(),
        },
        { privateKey, keyId: keyIdOf(privateKey) },
      ),
      keyId,
    };
    const publisher = messaging.get(EventPublisher);
    await publisher.publish(checkpointTopic, [
      { key: 'registry', value: encodeCheckpoint(forged) },
    ]);

    const alarmed = await statusWhen('a bad signature in the alarm', (s) =>
      s.alarm.reasons.some((reason) => reason.code === 'bad-signature'),
    );

    expect(alarmed.alarm.state).toBe('alarm');
    expect(alarmed.alarm.reasons).toHaveLength(1);
    expect(alarmed.alarm.reasons).toMatchObject([
      {
        code: 'bad-signature',
        service: 'registry',
        checkpoint: { position: head, keyId },
        record: { topic: checkpointTopic },
      },
    ]);
    expect(alarmed.checkpoints.badSignatures).toBe(1);
    // The forged digest was never compared, let alone accepted.
    expect(service(alarmed).checkpoints.mismatches).toBe(0);

    await publisher.publish(checkpointTopic, [{ key: 'registry', value: Buffer.from('{oops') }]);
    const undecodable = await statusWhen('an undecodable record in the alarm', (s) =>
      s.alarm.reasons.some((reason) => reason.code === 'undecodable-checkpoint'),
    );
    expect(undecodable.checkpoints.undecodable).toBe(1);
    const metrics = parseExposition(
      await (await fetch(`${url(ports.syncEmbassy)}/metrics`)).text(),
    );
    expect(metrics.get('embassy_sync_alarm')?.samples[0]?.value).toBe(1);
    expect(metrics.get('embassy_sync_checkpoint_bad_signatures_total')?.samples[0]?.value).toBe(1);

    // Good checkpoints go on being verified beside the alarm.
    await registerPersons(1);
    const newHead = String(Number(head) + 1);
    await statusWhen(
      `a checkpoint verified at ${newHead}`,
      (s) => Number(service(s).checkpoints.lastVerified?.position ?? 0) >= Number(newHead),
    );
  });

  it('raises the alarm when the embassy’s digest differs from a genuinely signed one', async () => {
    const { signer } = loadCheckpointKeys({ dir: join(keysDir, 'checkpoints') });
    if (!signer) throw new Error('no checkpoint key');
    // The true head (nothing is written meanwhile; the embassy caught up), not one instance's
    // possibly stale poll: the wrong checkpoint must be for a position two writes ahead, so
    // that the primary's genuine checkpoints up to it are superseded by it, not it by them.
    const before = await statusWhen(
      'the embassy caught up',
      (s) =>
        service(s).lag?.events === 0 &&
        service(s).embassy.head !== null &&
        service(s).embassy.head === service(s).primary.head,
    );
    const position = String(Number(service(before).primary.head) + 2);
    const wrong = signCheckpoint(
      {
        service: 'registry',
        position,
        digest: `sha256:${'e'.repeat(64)}`,
        signedAt: new Date().toISOString(),
      },
      signer,
    );
    await messaging
      .get(EventPublisher)
      .publish(checkpointTopic, [{ key: 'registry', value: encodeCheckpoint(wrong) }]);
    await statusWhen(
      `the checkpoint at ${position} pending`,
      (s) => service(s).checkpoints.pendingPosition === position,
    );

    await registerPersons(2);
    const mismatched = await statusWhen('a digest mismatch in the alarm', (s) =>
      s.alarm.reasons.some((reason) => reason.code === 'digest-mismatch'),
    );

    const ours = await fetch(`${url(ports.embassy)}/replication/digest?position=${position}`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    const actual = ((await ours.json()) as { digest: string }).digest;
    expect(mismatched.alarm.reasons.filter((r) => r.code === 'digest-mismatch')).toMatchObject([
      {
        service: 'registry',
        checkpoint: { position, digest: wrong.payload.digest, actual },
      },
    ]);
    expect(service(mismatched).checkpoints).toMatchObject({ mismatches: 1, pending: 0 });
    expect(service(mismatched).checkpoints.lastVerified?.position).not.toBe(position);
  });

  it('answers /status to operators only', async () => {
    const anonymous = await fetch(`${url(ports.syncEmbassy)}/status`);
    const asRegistrar = await fetch(`${url(ports.syncEmbassy)}/status`, {
      headers: { authorization: `Bearer ${registrar}` },
    });

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(asRegistrar.status).toBe(403);
    const history = await fetch(`${url(ports.syncEmbassy)}/status/history`, {
      headers: { authorization: `Bearer ${registrar}` },
    });
    expect(history.status).toBe(403);
    const tooMany = await fetch(`${url(ports.syncEmbassy)}/status/history?points=0`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(tooMany.status).toBe(400);
  });

  it('stops cleanly on SIGTERM, its consumer and loops included', async () => {
    const exit = await syncEmbassy.stop('SIGTERM');

    expect(exit).toEqual({ code: 0, signal: null });
    expect(syncEmbassy.stderr).not.toContain('"level":"fatal"');
  });
});
