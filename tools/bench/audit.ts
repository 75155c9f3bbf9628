// `npm run bench:audit` (nx run tools:bench-audit): the audit service's figures of issue 10.
//
//   1. Ingest rate: PersonalDataAccessed envelopes on the registry's topic -> the audit
//      service's consumer (inbox + append in one transaction) -> relay and sequencer -> the tree
//      projection. Timed from the first publish until the tree holds every entry.
//   2. Inclusion proof at 1M entries: the log is filled up to --entries by appending
//      AccessRecorded events in bulk through the event store (`startStreams`, 5,000 streams per
//      statement, as the consumer would have appended them one by one); the running service's
//      projection builds the tree from them exactly as it does from ingested entries (its rate
//      is reported too). Then GET /entries/{id}/inclusion-proof?treeSize=N over HTTP for random
//      leaves: p50/p99 of the whole request, and of the proof query alone.
//
// Starts a throw-away site (Kafka, durable PostgreSQL) and the audit service from source as
// `npm start` does. Flags:
//   --ingest 20000      source events for the ingest rate
//   --entries 1000000   tree size for the proof latencies
//   --proofs 2000       random proofs timed
import 'reflect-metadata';

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client, Pool } from 'pg';

import {
  AccessCapacity,
  AccessRecordedSchema,
  AccessorRole,
  PersonalDataAccessedSchema,
} from '@gov/contracts';
import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import {
  PostgresEventStore,
  computeContentHash,
  toEnvelopeRecord,
} from '@gov/platform-event-sourcing';
import type { NewEvent, PositionedEvent } from '@gov/platform-event-sourcing';
import {
  freePort,
  kafkaClientEnv,
  repoRoot,
  startSite,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';
import { EventPublisher, KafkaAdmin, MessagingModule } from '@gov/platform-messaging';

import { serviceDeclaration } from '../scripts/lib/services';
import { percentile } from './lib/stats';

const AUDIT = serviceDeclaration('audit');
const ISSUER = 'backbone-bench';
const AUDIENCE = 'backbone';
const REGISTRY_TOPIC = 'bench.registry.events.v1';
const BULK = 5_000;

const log = (message: string): void => {
  process.stderr.write(`[bench:audit] ${message}\n`);
};

function nationalId(i: number): string {
  return `19${String(50 + (i % 40)).padStart(2, '0')}0101${String(i % 100_000).padStart(5, '0')}`;
}

/** A registry read as the registry would publish it (its envelope on the registry's topic). */
function sourceEvent(i: number): PositionedEvent {
  const payload = toBinary(
    PersonalDataAccessedSchema,
    create(PersonalDataAccessedSchema, {
      subjectNationalId: nationalId(i),
      organisationId: 'ccss',
      purpose: 'family allowance',
      legalBasis: 'CSS art. 269',
      fieldsRead: ['family_name', 'address'],
      accessedAt: timestampFromDate(new Date()),
      accessorRole: AccessorRole.AGENCY_OFFICIAL,
    }),
  );
  const streamId = `access-${nationalId(i)}`;
  const type = PersonalDataAccessedSchema.typeName;
  return {
    eventId: randomUUID(),
    eventType: type,
    payloadSchemaVersion: 1,
    streamId,
    streamVersion: 1,
    globalPosition: BigInt(i + 1),
    producer: 'registry',
    occurredAt: new Date(),
    recordedAt: new Date(),
    correlationId: randomUUID(),
    causationId: null,
    traceparent: null,
    tracestate: null,
    contentHash: computeContentHash(streamId, 1, type, payload),
    previousHash: null,
    dataSubjectKeyId: null,
    payload,
    actor: null,
  };
}

/** An entry as the consumer appends it (for the bulk load). */
function accessRecorded(i: number): { streamId: string; events: NewEvent[] } {
  const entryId = randomUUID();
  const now = new Date();
  return {
    streamId: `access-${entryId}`,
    events: [
      {
        eventId: entryId,
        eventType: AccessRecordedSchema.typeName,
        payloadSchemaVersion: 1,
        occurredAt: now,
        payload: toBinary(
          AccessRecordedSchema,
          create(AccessRecordedSchema, {
            entryId,
            subjectNationalId: nationalId(i),
            organisationId: 'ccss',
            capacity: AccessCapacity.AGENCY_OFFICIAL,
            fields: ['family_name', 'address'],
            accessedAt: timestampFromDate(now),
            purpose: 'family allowance',
            legalBasis: 'CSS art. 269',
            sourceService: 'registry',
            sourceEventId: randomUUID(),
            sourceEventType: PersonalDataAccessedSchema.typeName,
            salt: randomBytes(32),
          }),
        ),
      },
    ],
  };
}

async function treeSize(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ idx: string }>(
    'SELECT idx FROM audit_app.tree_nodes WHERE level = 0 ORDER BY idx DESC LIMIT 1',
  );
  return rows[0] ? Number(rows[0].idx) + 1 : 0;
}

async function untilTree(pool: Pool, size: number, timeoutMs: number): Promise<void> {
  const ok = await waitUntil(async () => (await treeSize(pool)) >= size, timeoutMs, 100);
  if (!ok) throw new Error(`the tree did not reach ${size} entries in ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ingest: { type: 'string', default: '20000' },
      entries: { type: 'string', default: '1000000' },
      proofs: { type: 'string', default: '2000' },
    },
  });
  const ingest = Number(values.ingest);
  const entries = Number(values.entries);
  const proofs = Number(values.proofs);
  if (
    ![ingest, entries, proofs].every((n) => Number.isSafeInteger(n) && n > 0) ||
    entries < ingest
  ) {
    throw new Error('--ingest, --entries and --proofs are positive integers, entries >= ingest');
  }

  const dir = mkdtempSync(join(tmpdir(), 'backbone-bench-audit-'));
  chmodSync(dir, 0o755);
  const ports = {
    kafka: await freePort(),
    kafkaController: await freePort(),
    postgres: await freePort(),
  };
  log(`starting Kafka and durable PostgreSQL in ${dir}`);
  const site = await startSite({
    name: 'bench-audit',
    dir,
    ports,
    ownerPid: process.pid,
    durable: true,
  });
  let service: { pid: number; watchdog: number } | undefined;
  Logger.overrideLogger(['error']);
  const app = await NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: 'bench-audit',
      brokers: [site.kafka.bootstrap],
      sasl: site.kafka.sasl(),
      logLevel: 'error',
    }),
  );
  let pool: Pool | undefined;
  try {
    const database = AUDIT.database?.name ?? 'audit';
    const admin = new Client({ connectionString: site.postgres.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const databaseUrl = site.postgres.url(database);
    const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
    const token = await mintToken(keys.privateKeyFile, {
      role: 'auditor',
      subject: 'bench-auditor',
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '4h',
    });
    const httpPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HTTP_PORT: String(httpPort),
      // A benchmark's service runs as the super user: it may use the benchmark's own topics.
      ...kafkaClientEnv(site.kafka),
      DATABASE_URL: databaseUrl,
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
      // A load generator with one token: a per-principal rate limit would throttle the
      // measurement itself.
      RATE_LIMIT_PER_MINUTE: '0',
      AUDIT_SIGNING_KEY_FILE: join(dir, 'tree-heads.jwk'),
      AUDIT_SIGNING_KEY_CREATE: 'true',
      AUDIT_REGISTRY_TOPIC: REGISTRY_TOPIC,
      AUDIT_CONSENT_TOPIC: 'bench.consent.events.v1',
    };
    const migrate = spawnSync(
      process.execPath,
      ['--require', require.resolve('@swc-node/register'), AUDIT.database?.migrate ?? ''],
      { cwd: repoRoot(), env, encoding: 'utf8' },
    );
    if (migrate.status !== 0) throw new Error(`audit migrations failed: ${migrate.stderr}`);
    await app.get(KafkaAdmin).ensureTopics([{ topic: REGISTRY_TOPIC, numPartitions: 6 }]);

    const serviceLog = join(dir, 'audit.log');
    log(`starting the audit service on port ${httpPort} (log: ${serviceLog})`);
    const out = openSync(serviceLog, 'a');
    const child = spawn(
      process.execPath,
      ['--require', require.resolve('@swc-node/register'), AUDIT.main],
      {
        cwd: repoRoot(),
        env,
        stdio: ['ignore', out, out],
      },
    );
    closeSync(out);
    if (child.pid === undefined) throw new Error('could not start the audit service');
    service = { pid: child.pid, watchdog: startWatchdog(process.pid, child.pid, 'SIGTERM') };
    const url = `http://127.0.0.1:${httpPort}`;
    const ready = await waitUntil(
      async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200,
      90_000,
      250,
    );
    if (!ready) throw new Error(`the audit service did not become ready (see ${serviceLog})`);
    pool = new Pool({ connectionString: databaseUrl, max: 4 });

    // 1. Ingest rate.
    log(`ingest: publishing ${ingest} PersonalDataAccessed envelopes to ${REGISTRY_TOPIC}`);
    const records = Array.from({ length: ingest }, (_, i) => {
      const record = toEnvelopeRecord(sourceEvent(i));
      return { key: record.key, value: Buffer.from(record.value), headers: { ...record.headers } };
    });
    const ingestStart = performance.now();
    for (let i = 0; i < records.length; i += 1_000) {
      await app.get(EventPublisher).publish(REGISTRY_TOPIC, records.slice(i, i + 1_000));
    }
    await untilTree(pool, ingest, 30 * 60_000);
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    const ingestRate = ingest / ingestSeconds;
    log(
      `ingest: ${ingest} entries in the tree after ${ingestSeconds.toFixed(1)} s: ${ingestRate.toFixed(0)} entries/s`,
    );

    // 2. Fill the log to `entries` in bulk through the store; the service projects them.
    const store = new PostgresEventStore({ pool, schema: 'audit', producer: 'audit' });
    const bulk = entries - ingest;
    log(
      `bulk: appending ${bulk} AccessRecorded events through the store (startStreams, ${BULK} per statement)`,
    );
    const bulkStart = performance.now();
    for (let done = 0; done < bulk; done += BULK) {
      const streams = Array.from({ length: Math.min(BULK, bulk - done) }, (_, i) =>
        accessRecorded(ingest + done + i),
      );
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await store.startStreams(client, streams, { correlationId: 'bench-audit-bulk' });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    }
    const appendSeconds = (performance.now() - bulkStart) / 1000;
    log(`bulk: appended in ${appendSeconds.toFixed(1)} s; waiting for the projection`);
    await untilTree(pool, entries, 60 * 60_000);
    const bulkSeconds = (performance.now() - bulkStart) / 1000;
    const projectionRate = bulk / bulkSeconds;
    log(
      `bulk: ${entries} entries in the tree after ${bulkSeconds.toFixed(1)} s (${projectionRate.toFixed(0)} entries/s through sequencer and projection)`,
    );

    // 3. Inclusion proofs at `entries`.
    const { rows } = await pool.query<{ entry_id: string }>(
      `SELECT entry_id FROM audit_app.entries
       WHERE leaf_index = ANY (SELECT (random() * ($1 - 1))::bigint FROM generate_series(1, $2))`,
      [entries, proofs],
    );
    const http: number[] = [];
    for (const { entry_id } of rows) {
      const start = performance.now();
      const response = await fetch(
        `${url}/entries/${entry_id}/inclusion-proof?treeSize=${entries}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      if (response.status !== 200) throw new Error(`proof of ${entry_id}: ${response.status}`);
      await response.json();
      http.push(performance.now() - start);
    }
    const query: number[] = [];
    for (const { entry_id } of rows.slice(0, 500)) {
      const { rows: index } = await pool.query<{ leaf_index: string }>(
        'SELECT leaf_index FROM audit_app.entries WHERE entry_id = $1',
        [entry_id],
      );
      const start = performance.now();
      await pool.query(
        `SELECT hash FROM audit_app.tree_nodes WHERE (level, idx) IN
           (SELECT l, ($1::bigint >> l) # 1 FROM generate_series(0, 19) AS l)`,
        [index[0]?.leaf_index ?? '0'],
      );
      query.push(performance.now() - start);
    }
    const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
    const result = {
      bench: 'audit',
      ingest_entries: ingest,
      ingest_entries_per_s: Math.round(ingestRate),
      tree_entries: entries,
      bulk_projection_entries_per_s: Math.round(projectionRate),
      proofs: http.length,
      proof_http_p50_ms: Number(percentile(sorted(http), 50).toFixed(2)),
      proof_http_p99_ms: Number(percentile(sorted(http), 99).toFixed(2)),
      proof_nodes_query_p50_ms: Number(percentile(sorted(query), 50).toFixed(2)),
      proof_nodes_query_p99_ms: Number(percentile(sorted(query), 99).toFixed(2)),
    };
    process.stdout.write(
      `audit ingest: ${result.ingest_entries_per_s} entries/s (Kafka -> consumer -> log -> tree)\n` +
        `tree projection of bulk-appended entries: ${result.bulk_projection_entries_per_s} entries/s\n` +
        `inclusion proof at ${entries} entries over HTTP: p50 ${result.proof_http_p50_ms} ms, p99 ${result.proof_http_p99_ms} ms (${http.length} random leaves)\n` +
        `a leaf's 20 sibling rows by primary key, one statement: p50 ${result.proof_nodes_query_p50_ms} ms, p99 ${result.proof_nodes_query_p99_ms} ms\n` +
        `${JSON.stringify(result)}\n`,
    );
  } finally {
    await pool?.end();
    await app.close();
    if (service) {
      await stopProcess(service.pid, 'SIGTERM');
      stopWatchdog(service.watchdog);
    }
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
