import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  Body,
  Controller,
  HttpCode,
  Inject,
  Logger,
  Module,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Pool } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';

import { AuthGuard, Roles, ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { TokenRequest } from '@gov/platform-auth';
import {
  IfMatch,
  ZodPipe,
  commandRequestMeta,
  startService,
  withETag,
} from '@gov/platform-chassis';
import type { HttpReply, HttpRequest, RunningService } from '@gov/platform-chassis';
import { loadConfig } from '@gov/platform-config';
import { EVENT_STORE } from '@gov/platform-event-sourcing';
import type { EventStore, PositionedEvent, Projection } from '@gov/platform-event-sourcing';
import { EventPublisher, PermanentMessageError } from '@gov/platform-messaging';
import type { InboundMessage } from '@gov/platform-messaging';
import { readTopicUntilSentinels, startTestMessaging } from '@gov/platform-messaging-testing';
import { createTestDatabase, testKafkaEnv, uniqueName, waitFor } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { EnvelopeContext } from './consumers/event-transport';
import { EventSourcedServiceModule } from './event-sourced-service.module';
import { Idempotent, IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import {
  IdempotencyKeyEntity,
  IdempotencyKeysTable1765000000000,
} from './idempotency/idempotency-key.entity';
import { runInOwnSchema } from './own-tables/own-data-source';
import { migrateService } from './own-schema';
import { eventSourcedServiceConfigSchema } from './service-config';
import type { EventSourcedServiceConfig } from './service-config';

// A whole service from the kit: one controller, one projection, two migrations. What a new
// service of the platform has to write besides its domain.

const NOTED = 'test.kit.v1.Noted';
const NoteBody = z.strictObject({ text: z.string().min(1).max(100) });

@Controller('notes')
@UseGuards(AuthGuard)
@UseInterceptors(IdempotencyInterceptor)
class NotesController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Post(':id')
  @HttpCode(200)
  @Roles('registrar')
  @Idempotent({ required: true })
  async note(
    @Param('id') id: string,
    @IfMatch() expected: number | undefined,
    @Body(new ZodPipe(NoteBody)) body: z.output<typeof NoteBody>,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<{ version: number }> {
    const stream = `note-${id}`;
    const version = expected ?? (await this.store.readStream(stream)).length;
    const { streamVersion } = await this.store.append(
      stream,
      version,
      [
        {
          eventType: NOTED,
          payloadSchemaVersion: 1,
          payload: new TextEncoder().encode(body.text),
          occurredAt: new Date(),
        },
      ],
      { correlationId: commandRequestMeta(request).correlationId },
    );
    return withETag(reply, { version: streamVersion });
  }

  /** The same note, its one append stored with the key and the answer in one statement. */
  @Post(':id/atomic')
  @HttpCode(200)
  @Roles('registrar')
  @Idempotent({ required: true, answerWithAppend: true })
  atomicNote(
    @Param('id') id: string,
    @IfMatch() expected: number | undefined,
    @Body(new ZodPipe(NoteBody)) body: z.output<typeof NoteBody>,
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) reply: HttpReply,
  ): Promise<{ version: number }> {
    return this.note(id, expected, body, request, reply);
  }
}

/** A consumer of the service's own log: counts each note once, in the inbox's transaction. */
@Controller()
class NotesConsumer {
  @EventPattern('notes.events')
  async noted(@Payload() event: PositionedEvent, @Ctx() context: EnvelopeContext): Promise<void> {
    // A business refusal that no retry can change: straight to the dead-letter topic.
    if (new TextDecoder().decode(event.payload) === 'refuse') {
      throw new PermanentMessageError('rejected', 'this note is refused');
    }
    await context.client.query(`INSERT INTO ${OWN_SCHEMA}.seen VALUES ($1, $2)`, [
      event.eventId,
      context.message.offset,
    ]);
  }
}

const OWN_SCHEMA = 'notes_app';
class NotesReadModel1765000000001 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runInOwnSchema(
      runner,
      `CREATE TABLE notes (stream_id text, version int, text text, PRIMARY KEY (stream_id, version));
       CREATE TABLE seen (event_id uuid, kafka_offset text);`,
    );
  }
  async down(): Promise<void> {
    // Not undone in a test.
  }
}
const MIGRATIONS = [IdempotencyKeysTable1765000000000, NotesReadModel1765000000001];
const ENTITIES = [IdempotencyKeyEntity];
const notesProjection: Projection = {
  name: 'notes',
  tables: [`${OWN_SCHEMA}.notes`],
  apply: async (client, event) => {
    await client.query(`INSERT INTO ${OWN_SCHEMA}.notes VALUES ($1, $2, $3)`, [
      event.streamId,
      event.streamVersion,
      new TextDecoder().decode(event.payload),
    ]);
  },
};

@Module({})
class NotesModule {
  static forRoot(config: EventSourcedServiceConfig): DynamicModule {
    return {
      module: NotesModule,
      imports: [
        EventSourcedServiceModule.forRoot({
          config,
          eventStoreSchema: 'notes',
          ownSchema: OWN_SCHEMA,
          ownEntities: ENTITIES,
          ownMigrations: MIGRATIONS,
          projections: [notesProjection],
          subscriptions: [
            {
              pattern: 'notes.events',
              topic: config.eventsTopic,
              groupId: `${config.eventsTopic}.seen`,
              kind: 'envelope',
              retry: { maxAttempts: 2, baseDelayMs: 10 },
            },
          ],
        }),
      ],
      controllers: [NotesController, NotesConsumer],
    };
  }
}

let keysDir: string;
let privateKeyFile: string;
let jwksFile: string;
const topic = uniqueName('notes.events.v1').replace(/_/g, '-');

function configOf(database: TestDatabase, siteRole: 'primary' | 'embassy') {
  return loadConfig(
    eventSourcedServiceConfigSchema({ serviceName: 'notes', httpPort: 0, database: 'notes' }),
    {
      ...testKafkaEnv(),
      DATABASE_URL: database.url,
      AUTH_JWKS_FILE: jwksFile,
      AUTH_ISSUER: 'kit-test',
      AUTH_AUDIENCE: 'backbone',
      EVENTS_TOPIC: topic,
      REPLICATION_GROUP: uniqueName('notes.replica'),
      SITE_ROLE: siteRole,
      LOG_LEVEL: 'warn',
    },
  );
}

async function start(database: TestDatabase, siteRole: 'primary' | 'embassy') {
  const loaded = configOf(database, siteRole);
  // Any free port: the variables accept only real ones.
  const config = { ...loaded, http: { ...loaded.http, port: 0 } };
  return startService({
    config,
    module: NotesModule.forRoot(config),
    openapi: { title: 'Notes', description: 'A service from the kit', version: '1.0.0' },
  });
}

/** The records of `key` on `topic`, once there are any. */
async function waitForRecords(kafka: INestApplicationContext, topic: string, key: string) {
  let found: Awaited<ReturnType<typeof readTopicUntilSentinels<InboundMessage>>> = [];
  await waitFor(`a record ${key} on ${topic}`, async () => {
    found = (await readTopicUntilSentinels(kafka, topic, [key], (m) => m)).filter(
      (r) => r.message.key === key,
    );
    return found.length > 0;
  });
  return found.map((r) => r.message);
}

const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>) =>
  mintToken(privateKeyFile, { ...request, issuer: 'kit-test', audience: 'backbone' });

describe('a service built from EventSourcedServiceModule', () => {
  let primaryDb: TestDatabase;
  let embassyDb: TestDatabase;
  let primary: RunningService | undefined;
  let embassy: RunningService | undefined;
  let registrar: string;
  let operator: string;

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    keysDir = mkdtempSync(join(tmpdir(), 'kit-'));
    ({ privateKeyFile, jwksFile } = await ensureLocalSigningKeys(keysDir));
    registrar = await token({ role: 'registrar', subject: 'clerk-1', registers: ['notes'] });
    operator = await token({ role: 'operator', subject: 'ops-1' });
    [primaryDb, embassyDb] = await Promise.all([
      createTestDatabase('kit_primary'),
      createTestDatabase('kit_embassy'),
    ]);
  });

  afterAll(async () => {
    await primary?.close();
    await embassy?.close();
    await Promise.all([primaryDb.drop(), embassyDb.drop()]);
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('refuses to start before its own migrations ran, naming the step', async () => {
    await expect(start(primaryDb, 'primary')).rejects.toThrow(/notes_app|migrations/);
  });

  it('validates, appends once per Idempotency-Key, projects, relays and digests', async () => {
    const pool = new Pool({ connectionString: primaryDb.url, max: 1 });
    pool.on('error', () => undefined);
    await migrateService(pool, {
      eventStoreSchema: 'notes',
      ownSchema: OWN_SCHEMA,
      ownEntities: ENTITIES,
      ownMigrations: MIGRATIONS,
    });
    primary = await start(primaryDb, 'primary');
    const post = (body: unknown, headers: Record<string, string>) =>
      fetch(`${primary?.url}/notes/n1`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${registrar}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify(body),
      });

    const noKey = await post({ text: 'hello' }, {});
    const badBody = await post({ text: 7 }, { 'idempotency-key': 'k0' });
    const first = await post({ text: 'hello' }, { 'idempotency-key': 'k1' });
    const again = await post({ text: 'hello' }, { 'idempotency-key': 'k1' });
    const reused = await post({ text: 'other' }, { 'idempotency-key': 'k1' });

    expect(noKey.status).toBe(400);
    expect(noKey.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await noKey.json()).toMatchObject({ errors: [{ field: 'Idempotency-Key' }] });
    expect(badBody.status).toBe(400);
    expect(await badBody.json()).toMatchObject({ errors: [{ field: 'text' }] });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual({ version: 1 });
    expect(reused.status).toBe(409);
    expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

    const operatorGet = (path: string) =>
      fetch(`${primary?.url}${path}`, { headers: { authorization: `Bearer ${operator}` } }).then(
        (r) => r.json() as Promise<Record<string, unknown>>,
      );
    // The relay published the one event; the projection host projected it.
    await waitFor('relay and projection', async () => {
      const status = (await operatorGet('/replication/status')) as {
        relays: Record<string, string>;
      };
      const { rows } = await pool.query(`SELECT text FROM ${OWN_SCHEMA}.notes`);
      return status.relays[topic] === '1' && rows.length === 1;
    });
    const digest = (await operatorGet('/replication/digest')) as {
      position: string;
      projections: Record<string, { position: string; rows: number }>;
    };
    expect(digest.position).toBe('1');
    expect(digest.projections['notes']).toMatchObject({ position: '1', rows: 1 });
    await pool.end();
  });

  it('serves @EventPattern handlers once per event; dead-letters the undecodable and the refused', async () => {
    const pool = new Pool({ connectionString: primaryDb.url, max: 1 });
    pool.on('error', () => undefined);
    const kafka: INestApplicationContext = await startTestMessaging('kit');
    try {
      await waitFor('the consumer saw the note', async () => {
        const { rows } = await pool.query(`SELECT 1 FROM ${OWN_SCHEMA}.seen`);
        return rows.length === 1;
      });
      // Redeliver the same record, as Kafka may after a rebalance, and add a poison record.
      const [record] = await readTopicUntilSentinels(kafka, topic, ['note-n1'], (m) => m);
      if (!record) throw new Error('the note is not on its topic');
      const { key, value, headers } = record.message;
      await kafka.get(EventPublisher).publish(topic, [
        { key: key ?? '', value, headers },
        { key: 'poison', value: Buffer.from('not an envelope'), headers: {} },
      ]);
      const refused = await fetch(`${primary?.url}/notes/refused`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${registrar}`,
          'content-type': 'application/json',
          'idempotency-key': 'k-refused',
        },
        body: JSON.stringify({ text: 'refuse' }),
      });
      expect(refused.status).toBe(200);
      const dead = await waitForRecords(kafka, `${topic}.dlq`, 'poison');
      const refusedDead = await waitForRecords(kafka, `${topic}.dlq`, 'note-refused');

      const { rows } = await pool.query<{ event_id: string }>(
        `SELECT event_id FROM ${OWN_SCHEMA}.seen`,
      );
      expect(rows).toHaveLength(1);
      expect(dead.map((m) => m.headers['dlq-reason'])).toEqual(['undecodable']);
      // The handler's own PermanentMessageError reached the transport as itself: no retries.
      expect(refusedDead.map((m) => m.headers['dlq-reason'])).toEqual(['rejected']);
    } finally {
      await kafka.close();
      await pool.end();
    }
  });

  it('stores a command answered with its append once, under twin requests and retries', async () => {
    const pool = new Pool({ connectionString: primaryDb.url, max: 1 });
    pool.on('error', () => undefined);
    const post = (id: string, key: string, text: string, ifMatch?: string) =>
      fetch(`${primary?.url}/notes/${id}/atomic`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${registrar}`,
          'content-type': 'application/json',
          'idempotency-key': key,
          ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }),
        },
        body: JSON.stringify({ text }),
      });
    try {
      // Two requests with one key at once: one note, one answer, given to both.
      const twins = await Promise.all([post('t1', 'twin', 'twin'), post('t1', 'twin', 'twin')]);
      expect(twins.map((r) => r.status)).toEqual([200, 200]);
      expect(await Promise.all(twins.map((r) => r.json()))).toEqual([
        { version: 1 },
        { version: 1 },
      ]);
      expect(twins.map((r) => r.headers.get('idempotent-replayed')).sort()).toEqual([null, 'true']);
      // Two requests with two keys at once: both notes, one after the other.
      const pair = await Promise.all([post('t2', 'p1', 'one'), post('t2', 'p2', 'two')]);
      const versions = await Promise.all(
        pair.map(async (r) => ((await r.json()) as { version: number }).version),
      );
      expect(versions.sort()).toEqual([1, 2]);
      // A retry of an answered request gets its answer, though its If-Match is stale now.
      await post('t3', 'r0', 'zeroth');
      const first = await post('t3', 'r1', 'first', '1');
      await post('t3', 'r2', 'second', '2');
      const retried = await post('t3', 'r1', 'first', '1');
      expect(first.status).toBe(200);
      expect(retried.status).toBe(200);
      expect(retried.headers.get('idempotent-replayed')).toBe('true');
      expect(await retried.json()).toEqual({ version: 2 });
      // A new request on a stale version: refused (this route's append conflicts: 409).
      const stale = await post('t3', 'r3', 'third', '1');
      expect(stale.status).toBe(409);

      const { rows } = await pool.query<{ stream_id: string; n: string }>(
        `SELECT stream_id, count(*) AS n FROM notes.events
         WHERE stream_id IN ('note-t1', 'note-t2', 'note-t3') GROUP BY stream_id ORDER BY 1`,
      );
      expect(rows).toEqual([
        { stream_id: 'note-t1', n: '1' },
        { stream_id: 'note-t2', n: '2' },
        { stream_id: 'note-t3', n: '3' },
      ]);
      const keys = await pool.query<{ key: string; response_status: number }>(
        `SELECT key, response_status FROM ${OWN_SCHEMA}.idempotency_keys
         WHERE key IN ('twin', 'p1', 'p2', 'r0', 'r1', 'r2', 'r3') ORDER BY key`,
      );
      expect(keys.rows).toEqual([
        { key: 'p1', response_status: 200 },
        { key: 'p2', response_status: 200 },
        { key: 'r0', response_status: 200 },
        { key: 'r1', response_status: 200 },
        { key: 'r2', response_status: 200 },
        { key: 'twin', response_status: 200 },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('refuses writes on a replica with 503 READ_ONLY_SITE', async () => {
    const pool = new Pool({ connectionString: embassyDb.url, max: 1 });
    await migrateService(pool, {
      eventStoreSchema: 'notes',
      ownSchema: OWN_SCHEMA,
      ownEntities: ENTITIES,
      ownMigrations: MIGRATIONS,
    });
    await pool.end();
    embassy = await start(embassyDb, 'embassy');

    const refused = await fetch(`${embassy.url}/notes/n2`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${registrar}`,
        'content-type': 'application/json',
        'idempotency-key': 'k2',
      },
      body: JSON.stringify({ text: 'hello' }),
    });

    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'READ_ONLY_SITE', siteRole: 'replica' });
  });
});
