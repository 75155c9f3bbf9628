import { create, toBinary } from '@bufbuild/protobuf';

import { PersonErasedSchema } from '@gov/contracts';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { PermanentMessageError } from '@gov/platform-messaging';

import { causedBy, erasureIn } from './reactions';

const recordedAt = new Date('2026-12-06T10:00:00.000Z');

function registryEvent(eventType: string, payload: Uint8Array): PositionedEvent {
  return {
    eventId: '0193a1b2-0000-7000-8000-000000000001',
    eventType,
    payloadSchemaVersion: 1,
    streamId: '1983081246785',
    streamVersion: 3,
    globalPosition: 42n,
    recordedAt,
    occurredAt: recordedAt,
    payload,
    correlationId: 'request-1',
    causationId: null,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    tracestate: null,
    actor: null,
    dataSubjectKeyId: null,
    contentHash: 'sha256:00',
    previousHash: null,
    producer: 'registry',
  } as unknown as PositionedEvent;
}

describe('reactions to another service’s log', () => {
  it('reads the registry’s PersonErased, and nothing else, as an erasure', () => {
    const erased = registryEvent(
      PersonErasedSchema.typeName,
      toBinary(PersonErasedSchema, create(PersonErasedSchema, { nationalId: '1983081246785' })),
    );
    expect(erasureIn(erased)).toEqual({
      nationalId: '1983081246785',
      erasedAt: recordedAt,
      registryEventId: erased.eventId,
    });
    expect(
      erasureIn(registryEvent('gov.registry.v1.PersonNameChanged', new Uint8Array())),
    ).toBeNull();
  });

  it('dead-letters a PersonErased that names nobody', () => {
    expect(() => erasureIn(registryEvent(PersonErasedSchema.typeName, new Uint8Array()))).toThrow(
      PermanentMessageError,
    );
  });

  it('appends the effect in the cause’s correlation and trace, caused by it', () => {
    const cause = registryEvent(PersonErasedSchema.typeName, new Uint8Array());
    expect(causedBy(cause, { kind: 'service', id: 'consent' })).toEqual({
      correlationId: 'request-1',
      causationId: cause.eventId,
      traceparent: cause.traceparent,
      actor: { kind: 'service', id: 'consent' },
    });
  });
});
