import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';

import { EventEnvelopeSchema } from '@gov/contracts';

import type { PositionedEvent } from '../event-store/event-store';
import {
  EVENT_ENVELOPE_CONTENT_TYPE,
  MalformedEnvelopeError,
  decodeEventEnvelope,
  fromEventEnvelope,
  toEnvelopeRecord,
  toEventEnvelope,
} from './envelope';

const event: PositionedEvent = {
  eventId: '0b6c8e2a-5d1f-4c47-9a3e-2f8f3c1d4e5a',
  eventType: 'gov.registry.v1.PersonRegistered',
  payloadSchemaVersion: 2,
  streamId: 'person-7f3e2a90',
  streamVersion: 3,
  globalPosition: 9_007_199_254_740_993n,
  producer: 'registry',
  occurredAt: new Date('2026-03-01T09:15:00.000Z'),
  recordedAt: new Date('2026-03-01T09:15:00.123Z'),
  correlationId: 'corr',
  causationId: 'cause',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: null,
  contentHash: new Uint8Array(32).fill(1),
  previousHash: new Uint8Array(32).fill(2),
  dataSubjectKeyId: null,
  payload: Uint8Array.from([8, 1]),
  actor: { kind: 'agency', id: 'svc-1', organisationId: 'ccss' },
};

describe('the event envelope', () => {
  it('carries every field, absent ones as empty values', () => {
    const envelope = toEventEnvelope(event);

    expect(envelope).toMatchObject({
      eventId: event.eventId,
      eventType: event.eventType,
      payloadSchemaVersion: 2,
      streamId: 'person-7f3e2a90',
      streamVersion: 3n,
      globalPosition: 9_007_199_254_740_993n,
      producer: 'registry',
      correlationId: 'corr',
      causationId: 'cause',
      traceparent: event.traceparent,
      tracestate: '',
      dataSubjectKeyId: '',
      actor: { kind: 'agency', id: 'svc-1', organisationId: 'ccss' },
    });
    expect(envelope.occurredAt && timestampDate(envelope.occurredAt)).toEqual(event.occurredAt);
    expect(envelope.recordedAt && timestampDate(envelope.recordedAt)).toEqual(event.recordedAt);
    expect(envelope.contentHash).toEqual(event.contentHash);
    expect(envelope.previousHash).toEqual(event.previousHash);
    expect(envelope.payload).toEqual(event.payload);
    expect(
      toEventEnvelope({ ...event, streamVersion: 1, previousHash: null }).previousHash,
    ).toEqual(new Uint8Array(0));
  });

  it('becomes a Kafka record keyed by stream, with id, type, content type and trace headers', () => {
    const record = toEnvelopeRecord(event);

    expect(record.key).toBe('person-7f3e2a90');
    expect(record.headers).toEqual({
      'event-id': event.eventId,
      'event-type': event.eventType,
      'content-type': 'application/x-protobuf; proto=gov.platform.v1.EventEnvelope',
      traceparent: event.traceparent,
    });
    expect(toEnvelopeRecord({ ...event, traceparent: null }).headers).not.toHaveProperty(
      'traceparent',
    );
    expect(record.headers['content-type']).toBe(EVENT_ENVELOPE_CONTENT_TYPE);
    expect(fromBinary(EventEnvelopeSchema, record.value).eventId).toBe(event.eventId);
  });

  it('decodes back to the same event', () => {
    expect(decodeEventEnvelope(toEnvelopeRecord(event).value)).toEqual(event);
    const first = { ...event, streamVersion: 1, previousHash: null, causationId: null };
    expect(fromEventEnvelope(toEventEnvelope(first))).toEqual(first);
    const anonymous = { ...event, actor: null };
    expect(fromEventEnvelope(toEventEnvelope(anonymous))).toEqual(anonymous);
    const forItself = { ...event, actor: { kind: 'citizen', id: '1983081246785' } };
    expect(fromEventEnvelope(toEventEnvelope(forItself))).toEqual({
      ...forItself,
      actor: { kind: 'citizen', id: '1983081246785', organisationId: undefined },
    });
  });

  it.each([
    ['event_id', { eventId: '' }],
    ['event_type', { eventType: '' }],
    ['payload_schema_version', { payloadSchemaVersion: 0 }],
    ['stream_id', { streamId: '' }],
    ['stream_version', { streamVersion: 0n }],
    ['global_position', { globalPosition: 0n }],
    ['producer', { producer: '' }],
    ['occurred_at', { occurredAt: undefined }],
    ['correlation_id', { correlationId: '' }],
    ['content_hash', { contentHash: new Uint8Array(3) }],
    ['previous_hash', { previousHash: new Uint8Array(0) }],
  ])('refuses an envelope without %s', (field, change) => {
    const envelope = create(EventEnvelopeSchema, { ...toEventEnvelope(event), ...change });
    expect(() => decodeEventEnvelope(toBinary(EventEnvelopeSchema, envelope))).toThrow(
      new MalformedEnvelopeError(field, 'required, but missing or zero'),
    );
  });

  it('refuses bytes that are not an envelope', () => {
    expect(() => decodeEventEnvelope(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(
      MalformedEnvelopeError,
    );
  });
});
