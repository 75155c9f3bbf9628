import { fromBinary } from '@bufbuild/protobuf';
import type { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';

import { CorrectionNoticeSchema } from '@gov/contracts';
import { EventPublisher, KafkaAdmin } from '@gov/platform-messaging';
import { readTopicUntilSentinels } from '@gov/platform-messaging-testing';
import { createTestDatabase, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { noticeIdFor } from '@gov/registry-application';
import type { CorrectionEvent, NationalId } from '@gov/registry-domain';

import {
  acceptedCorrection,
  appendAll,
  at,
  correctionAppend,
  newNationalId,
  personAppend,
  personLife,
  feedTestKeys,
} from '../testing/feed-fixtures';
import {
  checkpointOf,
  newFeedTopic,
  newStore,
  quiet,
  settle,
  startMessaging,
  waitFor,
} from '../testing/feed-test-support';
import { CorrectionNoticePublisher } from './correction-notice-publisher';
import { registryCorrectionNoticesTopicSpec } from './correction-notice-topic';
import { RecordChangePublisher } from './record-change-publisher';

let database: TestDatabase;
let pool: Pool;
let kafka: INestApplicationContext;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  database = await createTestDatabase('notices');
  pool = new Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => undefined);
  kafka = await startMessaging();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((publisher) => publisher.stop()));
});

afterAll(async () => {
  await kafka.close();
  await pool.end();
  await database.drop();
});

function communicated(
  correctionId: string,
  nationalId: NationalId,
  organisations: readonly string[],
): CorrectionEvent {
  return {
    type: 'CorrectionCommunicated',
    data: {
      correctionId,
      register: 'persons',
      recordId: nationalId,
      field: 'placeOfBirth',
      recipients: organisations.map((organisationId) => ({
        organisationId,
        noticeId: noticeIdFor(correctionId, organisationId),
        lastReceivedAt: at(-5),
        purpose: 'family-allowance-eligibility',
        legalBasis: 'Code de la sécurité sociale, art. 269',
      })),
      communicatedAt: at(3),
    },
  };
}

describe('CorrectionNoticePublisher', () => {
  it('publishes one notice per recipient, keyed by the record, on a checkpoint of its own beside the change feed', async () => {
    const store = await newStore(pool);
    const topic = uniqueName('registry-correction-notices').replace(/_/g, '-');
    await kafka.get(KafkaAdmin).ensureTopics([registryCorrectionNoticesTopicSpec(topic, 3)]);
    const feedTopic = await newFeedTopic(kafka);
    const [anna, ben] = [newNationalId('1983-08-12'), newNationalId('1990-01-31')];
    const [first, second] = [
      '0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a41',
      '0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a42',
    ];
    await appendAll(store, [
      ...personLife(anna, first).slice(0, 1).map(personAppend),
      ...acceptedCorrection(anna, first).map(correctionAppend),
      correctionAppend(communicated(first, anna, ['cae', 'ccss'])),
      ...acceptedCorrection(ben, second).map(correctionAppend),
      correctionAppend(communicated(second, ben, [])),
    ]);
    const notices = new CorrectionNoticePublisher({
      store,
      keyStore: feedTestKeys,
      topic,
      publisher: kafka.get(EventPublisher),
      logger: quiet,
      batchSize: 2,
    });
    const feed = new RecordChangePublisher({
      store,
      keyStore: feedTestKeys,
      topic: feedTopic,
      publisher: kafka.get(EventPublisher),
      logger: quiet,
    });
    running.push(notices, feed);

    notices.start();
    feed.start();
    const head = await settle(store);
    await waitFor('notices published', () => notices.publishedPosition === head);
    await waitFor('feed published', () => feed.publishedPosition === head);

    const records = await readTopicUntilSentinels(kafka, topic, [anna, ben], (message) =>
      fromBinary(CorrectionNoticeSchema, message.value),
    );
    expect(records.map(({ message, value }) => [message.key, value.organisationId])).toEqual([
      [anna, 'cae'],
      [anna, 'ccss'],
    ]);
    expect(records.map(({ value }) => value.noticeId)).toEqual([
      noticeIdFor(first, 'cae'),
      noticeIdFor(first, 'ccss'),
    ]);
    expect(records[0]?.value.corrected?.value).toEqual({
      case: 'placeOfBirth',
      value: expect.objectContaining({ locality: 'Diekirch', country: 'LU' }) as unknown,
    });
    expect(notices.publishedCount).toBe(2);
    expect(await checkpointOf(pool, store, topic)).toBe(head);
    expect(await checkpointOf(pool, store, feedTopic)).toBe(head);
  });
});
