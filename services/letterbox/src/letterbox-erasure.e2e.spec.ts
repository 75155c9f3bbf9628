// Erasure of a letter's recipient across both sites: a real registry erases the person; the
// letterbox (primary) obeys its PersonErased, and an embassy replica of the letterbox (its own
// database, replaying the primary's topics as MirrorMaker 2 would name them, on one cluster
// here) destroys its copy of the key as it replays the letterbox's RecipientErased. Before, the
// person's subject line and document are sealed everywhere they are stored; after, reads answer
// 410 on both sites, the sender keeps the delivery facts, and a new letter to the person is
// refused before anything is stored.
import { createHash, randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';

import type { TokenRequest } from '@gov/platform-auth';
import { ServicesUnderTest, aPerson, callJson } from '@gov/platform-e2e-testing';
import { startTestMessaging } from '@gov/platform-messaging-testing';
import { uniqueName, waitFor } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

const SUBJECT = 'Décision: allocation de vie chère de Madame Schmit';
const LEGAL_GROUND = 'Art. 17(1)(d) GDPR: registered in error, court decision 2026/456';

interface Site {
  readonly database: TestDatabase;
  readonly baseUrl: string;
}

describe('erasure of a letter’s recipient on both sites', () => {
  let services: ServicesUnderTest;
  let kafka: INestApplicationContext;

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    services.token(request);

  async function startSite(name: 'letterbox' | 'registry', extra: Record<string, string>) {
    const started = await services.start(name, extra);
    if (started.database === undefined) throw new Error(`${name} has no database`);
    return { database: started.database, baseUrl: started.url };
  }

  const call = (site: Site, method: string, path: string, bearer: string, body?: unknown) =>
    callJson(`${site.baseUrl}${path}`, method, bearer, body);

  async function sql<T>(site: Site, text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: site.database.url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** What the site stores of `nationalId`'s letters, as bytes: the log, the read model, the documents. */
  async function storedBytes(site: Site, nationalId: string): Promise<Buffer[]> {
    const rows = await sql<{ bytes: Buffer }>(
      site,
      `SELECT payload AS bytes FROM letterbox.events
        UNION ALL
       SELECT convert_to(row_to_json(l)::text, 'UTF8') FROM letterbox_app.letters l
        WHERE l.recipient_id = $1
        UNION ALL
       SELECT c.bytes FROM letterbox_app.contents c
         JOIN letterbox_app.letters l ON l.sha256 = c.sha256 AND l.key_id = c.key_id
        WHERE l.recipient_id = $1`,
      [nationalId],
    );
    return rows.map((row) => row.bytes);
  }

  beforeAll(async () => {
    services = await ServicesUnderTest.create('letterbox-erasure-e2e');
    kafka = await startTestMessaging('letterbox-erasure-e2e');
  });

  afterAll(async () => {
    await kafka.close();
    await services.stop();
  });

  it('seals the person’s letters, then makes them unreadable on both sites once the registry erases the person', async () => {
    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const ccss = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    const operator = await token({ role: 'operator', subject: 'ops-1' });
    const registryTopic = uniqueName('registry.events.v1');
    const topic = uniqueName('letterbox.events.v1');
    const documentsTopic = uniqueName('letterbox.documents.v1');
    const source = uniqueName('primary');
    const registry = await startSite('registry', { EVENTS_TOPIC: registryTopic });
    const primary = await startSite('letterbox', {
      EVENTS_TOPIC: `${source}.${topic}`,
      DOCUMENTS_TOPIC: `${source}.${documentsTopic}`,
      LETTERBOX_REGISTRY_TOPIC: registryTopic,
    });
    const embassy = await startSite('letterbox', {
      SITE_ROLE: 'embassy',
      EVENTS_TOPIC: topic,
      DOCUMENTS_TOPIC: documentsTopic,
      REPLICATION_SOURCE: source,
      REPLICATION_GROUP: uniqueName('letterbox.replica'),
    });

    const registered = await call(registry, 'POST', '/persons', registrar, aPerson());
    expect(registered.status).toBe(201);
    const nationalId = String(registered.body['nationalId']);
    const anna = await token({ role: 'citizen', subject: nationalId });

    const content = Buffer.alloc(4096, 0x20);
    content.write(`%PDF-1.7\n% ${randomUUID()} Madame Schmit\n`);
    const letter = (id: string) => ({
      recipient: { kind: 'person', id },
      subject: SUBJECT,
      contentType: 'application/pdf',
      content: content.toString('base64'),
      retentionDays: 3650,
      receiptRequested: false,
    });
    const delivered = await call(primary, 'POST', '/letters', ccss, letter(nationalId));
    expect(delivered.status).toBe(201);
    const letterId = String(delivered.body['letterId']);
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect(delivered.body['sha256']).toBe(sha256);

    // Before: the recipient reads it on the primary, and on the embassy once its key arrived.
    expect((await call(primary, 'GET', `/letters/${letterId}`, anna)).body['subject']).toBe(
      SUBJECT,
    );
    await waitFor('the embassy opens the letter with the replicated key', async () => {
      const answer = await call(embassy, 'GET', `/letters/${letterId}`, anna);
      return answer.status === 200 && answer.body['subject'] === SUBJECT;
    });
    await waitFor('the embassy holds the sealed document', async () => {
      const digest = await call(embassy, 'GET', '/documents/digest', operator);
      return digest.body['documents'] === 1 && digest.body['missing'] === 0;
    });
    // Sealed wherever it is stored: neither the subject line nor the document in clear.
    for (const site of [primary, embassy]) {
      const bytes = await storedBytes(site, nationalId);
      expect(bytes.length).toBeGreaterThan(2);
      expect(bytes.some((b) => b.includes(Buffer.from('allocation de vie')))).toBe(false);
      expect(bytes.some((b) => b.includes(content))).toBe(false);
    }

    const erased = await call(registry, 'POST', `/persons/${nationalId}/erasure`, registrar, {
      legalGround: LEGAL_GROUND,
    });
    expect(erased).toMatchObject({ status: 200, body: { changed: true } });

    // The primary obeys the registry's PersonErased; the embassy replays RecipientErased.
    for (const site of [primary, embassy]) {
      await waitFor('the letter answers 410', async () => {
        const answer = await call(site, 'GET', `/letters/${letterId}`, anna);
        return answer.status === 410;
      });
      const read = await call(site, 'GET', `/letters/${letterId}`, anna);
      expect(read.body['code']).toBe('DATA_ERASED');
      expect((await call(site, 'GET', `/letters/${letterId}`, ccss)).status).toBe(410);
      const opened = await fetch(`${site.baseUrl}/letters/${letterId}/content`, {
        headers: { authorization: `Bearer ${anna}` },
      });
      expect(opened.status).toBe(410);
      expect((await call(site, 'GET', '/letters', anna)).body['items']).toEqual([]);
      // The sender keeps the delivery facts, without the subject line.
      const sent = (await call(site, 'GET', '/sent', ccss)).body['items'] as unknown[];
      expect(sent).toEqual([
        expect.objectContaining({
          letterId,
          recipient: { kind: 'person', id: nationalId },
          subject: null,
          sha256,
          availableAt: expect.any(String) as string,
          recipientErasedAt: expect.any(String) as string,
        }),
      ]);
      // The key is gone from this site's store.
      const [key] = await sql<{ wrapped_key: Buffer | null; destroyed_at: Date | null }>(
        site,
        'SELECT wrapped_key, destroyed_at FROM letterbox_app.subject_keys WHERE subject_id = $1',
        [nationalId],
      );
      expect(key?.wrapped_key).toBeNull();
      expect(key?.destroyed_at).toBeInstanceOf(Date);
    }

    // A new letter to the person is refused before anything is stored.
    const [events] = await sql<{ n: string }>(
      primary,
      `SELECT (SELECT count(*) FROM letterbox.events) + (SELECT count(*) FROM letterbox_app.contents) AS n`,
    );
    const again = await call(primary, 'POST', '/letters', ccss, letter(nationalId));
    expect(again).toMatchObject({ status: 410, body: { code: 'DATA_ERASED' } });
    const [after] = await sql<{ n: string }>(
      primary,
      `SELECT (SELECT count(*) FROM letterbox.events) + (SELECT count(*) FROM letterbox_app.contents) AS n`,
    );
    expect(after?.n).toBe(events?.n);

    // Both sites derive the same letters from the log, erasure included.
    const position = String(
      (await call(primary, 'GET', '/replication/status', operator)).body['head'],
    );
    const digest = async (site: Site) =>
      (await call(site, 'GET', `/replication/digest?position=${position}`, operator)).body;
    await waitFor('both sites at the primary’s head', async () => {
      const [p, e] = [await digest(primary), await digest(embassy)];
      return p['position'] === position && e['position'] === position;
    });
    expect(await digest(embassy)).toEqual(await digest(primary));
  });
});
