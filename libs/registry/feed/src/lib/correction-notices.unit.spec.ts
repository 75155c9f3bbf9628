import { fromBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';

import { CorrectionNoticeSchema, Register } from '@gov/contracts';
import { InMemoryEventStore } from '@gov/platform-event-sourcing';
import { noticeIdFor } from '@gov/registry-application';
import type { CorrectionEvent } from '@gov/registry-domain';

import {
  acceptedCorrection,
  appendAll,
  at,
  correctionAppend,
  feedTestKeys,
  newNationalId,
} from '../testing/feed-fixtures';
import {
  REGISTRY_CORRECTION_NOTICES_TOPIC,
  registryCorrectionNoticesTopicSpec,
  toNoticeMessage,
} from './correction-notice-topic';
import { noticesOf } from './correction-notices';

const CORRECTION = '8e7d6c5b-4a39-4f28-9e17-d6c5b4a39f28';

function communicated(
  nationalId: ReturnType<typeof newNationalId>,
  organisations: readonly string[],
): CorrectionEvent {
  return {
    type: 'CorrectionCommunicated',
    data: {
      correctionId: CORRECTION,
      register: 'persons',
      recordId: nationalId,
      field: 'placeOfBirth',
      recipients: organisations.map((organisationId, i) => ({
        organisationId,
        noticeId: noticeIdFor(CORRECTION, organisationId),
        lastReceivedAt: at(-10 + i),
        purpose: `purpose of ${organisationId}`,
        legalBasis: 'a provision',
        ...(organisationId === 'cae' ? { procedureId: 'family-allowance' } : {}),
      })),
      communicatedAt: at(5),
    },
  };
}

describe('correction notices', () => {
  it('is one CorrectionNotice per recipient, with the accepted value and the acceptance’s time', async () => {
    const store = new InMemoryEventStore({ producer: 'registry', now: () => at(2) });
    const anna = newNationalId();
    await appendAll(store, [
      ...acceptedCorrection(anna, CORRECTION).map(correctionAppend),
      correctionAppend(communicated(anna, ['cae', 'ccss'])),
    ]);
    const log = await store.readAll(1n, 100);

    const notices = await noticesOf(store, feedTestKeys, log);

    expect(notices.map(({ source }) => source.eventId)).toEqual([log[2]?.eventId, log[2]?.eventId]);
    const [cae, ccss] = notices.map(({ notice }) => notice);
    expect(cae).toMatchObject({
      noticeId: noticeIdFor(CORRECTION, 'cae'),
      organisationId: 'cae',
      correctionId: CORRECTION,
      register: Register.PERSONS,
      recordId: anna,
      corrected: {
        value: { case: 'placeOfBirth', value: { locality: 'Diekirch', country: 'LU' } },
      },
      purpose: 'purpose of cae',
      procedureId: 'family-allowance',
    });
    expect(cae?.acceptedAt && timestampDate(cae.acceptedAt)).toEqual(log[1]?.recordedAt);
    expect(ccss?.lastReceivedAt && timestampDate(ccss.lastReceivedAt)).toEqual(at(-9));
    expect(ccss).toMatchObject({ organisationId: 'ccss', procedureId: '' });

    const message = toNoticeMessage(cae as NonNullable<typeof cae>, 'the-event');
    expect(message.key).toBe(anna);
    expect(message.headers).toEqual({
      'content-type': 'application/x-protobuf; proto=gov.registry.v1.CorrectionNotice',
      'event-id': 'the-event',
    });
    expect(fromBinary(CorrectionNoticeSchema, message.value ?? new Uint8Array())).toEqual(cae);
  });

  it('is nothing for a communication to nobody, and nothing for other events', async () => {
    const store = new InMemoryEventStore({ producer: 'registry', now: () => at(2) });
    const anna = newNationalId();
    await appendAll(store, [
      ...acceptedCorrection(anna, CORRECTION).map(correctionAppend),
      correctionAppend(communicated(anna, [])),
    ]);
    expect(await noticesOf(store, feedTestKeys, await store.readAll(1n, 100))).toEqual([]);
  });

  it('fails the batch on a communication whose correction has no acceptance', async () => {
    const store = new InMemoryEventStore({ producer: 'registry', now: () => at(2) });
    const anna = newNationalId();
    await appendAll(store, [correctionAppend(communicated(anna, ['cae']))]);
    await expect(noticesOf(store, feedTestKeys, await store.readAll(1n, 100))).rejects.toThrow(
      /has no CorrectionAccepted/,
    );
  });

  it('has a topic kept forever, never compacted, as notices.proto promises', () => {
    expect(registryCorrectionNoticesTopicSpec()).toEqual({
      topic: 'registry.correction-notices.v1',
      numPartitions: 6,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1' },
    });
    expect(REGISTRY_CORRECTION_NOTICES_TOPIC).toBe('registry.correction-notices.v1');
    expect(registryCorrectionNoticesTopicSpec('t', 3, 3)).toMatchObject({
      topic: 't',
      numPartitions: 3,
      replicationFactor: 3,
    });
  });
});
