import { create, toBinary } from '@bufbuild/protobuf';

import { PersonNameChangedSchema, PersonErasedSchema } from '@gov/contracts';
import type { PositionedEvent, PostgresEventStore } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';
import type { EnvelopeContext } from '@gov/platform-service';

import { RegistryErasuresConsumer } from './registry-erasures.consumer';

// The erasure itself runs on PostgreSQL (obeyPersonErasure, int-tested); here, what the
// consumer decides before touching anything: a store and a client that fail on any use.
const untouchable = new Proxy(
  {},
  {
    get: () => {
      throw new Error('touched');
    },
  },
);
// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a stand-in that fails on any use: the point is that nothing is used.
const consumer = new RegistryErasuresConsumer(untouchable as PostgresEventStore);
const context = { client: untouchable } as unknown as EnvelopeContext;

const event = (eventType: string, payload: Uint8Array) =>
  ({
    eventId: '0b7e4a52-8b4e-4f0e-9d1a-3c2f1e0d9a01',
    eventType,
    payload,
    recordedAt: new Date('2026-12-01T10:00:00Z'),
    correlationId: 'c',
    traceparent: null,
  }) as unknown as PositionedEvent;

describe('the consumer of the registry’s erasures', () => {
  it('ignores every other event of the registry’s log', async () => {
    const other = toBinary(PersonNameChangedSchema, create(PersonNameChangedSchema, {}));
    await expect(
      consumer.received(event(PersonNameChangedSchema.typeName, other), context),
    ).resolves.toBeUndefined();
  });

  it('dead-letters a PersonErased that does not decode, or names nobody', async () => {
    const notANumber = toBinary(
      PersonErasedSchema,
      create(PersonErasedSchema, { nationalId: 'anna', legalGround: 'Art. 17' }),
    );
    for (const payload of [Uint8Array.of(0x0a, 0xff), new Uint8Array(), notANumber]) {
      await expect(
        consumer.received(event(PersonErasedSchema.typeName, payload), context),
      ).rejects.toBeInstanceOf(PermanentMessageError);
    }
    // A well-formed one goes on to the database (here: the untouchable client).
    const valid = toBinary(
      PersonErasedSchema,
      create(PersonErasedSchema, { nationalId: '1983081246785', legalGround: 'Art. 17' }),
    );
    await expect(
      consumer.received(event(PersonErasedSchema.typeName, valid), context),
    ).rejects.toThrow('touched');
  });
});
