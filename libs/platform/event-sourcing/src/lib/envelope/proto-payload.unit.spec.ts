import { create } from '@bufbuild/protobuf';

import { ActorSchema } from '@gov/contracts';

import { protoMessage, protoPayload } from './proto-payload';

class Malformed extends Error {}

describe('protoPayload and protoMessage', () => {
  it('stores a message under its full name and reads it back', () => {
    const at = new Date('2026-12-06T09:00:00Z');
    const stored = protoPayload(
      ActorSchema,
      create(ActorSchema, { kind: 'citizen', id: '1983081246785' }),
      at,
      3,
    );
    expect(stored).toMatchObject({
      eventType: 'gov.platform.v1.Actor',
      payloadSchemaVersion: 3,
      occurredAt: at,
    });
    expect(protoMessage(ActorSchema, stored, (detail) => new Malformed(detail))).toMatchObject({
      kind: 'citizen',
      id: '1983081246785',
    });
  });

  it('makes the caller’s error for bytes that do not decode, with the cause', () => {
    const decode = () =>
      protoMessage(
        ActorSchema,
        { payload: Uint8Array.of(0xff, 0xff, 0xff) },
        (detail, cause) => new Malformed(detail, { cause }),
      );
    expect(decode).toThrow(Malformed);
    expect(decode).toThrow('the payload is not a gov.platform.v1.Actor');
  });
});
