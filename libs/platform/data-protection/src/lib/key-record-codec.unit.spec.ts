import { randomUUID } from 'node:crypto';

import { create, toBinary } from '@bufbuild/protobuf';

import { SubjectKeyRecordSchema } from '@gov/contracts';

import { MalformedKeyRecordError, decodeKeyRecord, encodeKeyRecord } from './key-record-codec';
import type { KeyRecord } from './subject-keys';

const live: KeyRecord = {
  keyId: randomUUID(),
  subjectId: '1983081246785',
  createdAt: new Date('2026-12-01T10:00:00.000Z'),
  wrappedKey: new Uint8Array(61).fill(7),
  destroyedAt: null,
};

describe('keys topic records', () => {
  it('round-trip a live key and a destroyed one', () => {
    expect(decodeKeyRecord(live.keyId, encodeKeyRecord(live))).toEqual(live);
    const destroyed = { ...live, wrappedKey: null, destroyedAt: new Date('2026-12-02T10:00:00Z') };
    expect(decodeKeyRecord(live.keyId, encodeKeyRecord(destroyed))).toEqual(destroyed);
  });

  it('refuse bytes that are no record, a key id other than the record key, or half a state', () => {
    expect(() => decodeKeyRecord(live.keyId, Uint8Array.of(0xff, 0xff))).toThrow(
      MalformedKeyRecordError,
    );
    expect(() => decodeKeyRecord(randomUUID(), encodeKeyRecord(live))).toThrow(/record key/);
    const both = toBinary(
      SubjectKeyRecordSchema,
      create(SubjectKeyRecordSchema, {
        keyId: live.keyId,
        subjectId: live.subjectId,
        createdAt: { seconds: 1n, nanos: 0 },
        wrappedKey: new Uint8Array(8),
        destroyedAt: { seconds: 2n, nanos: 0 },
      }),
    );
    expect(() => decodeKeyRecord(live.keyId, both)).toThrow(/either its wrapped material/);
    const noSubject = encodeKeyRecord({ ...live, subjectId: '' });
    expect(() => decodeKeyRecord(live.keyId, noSubject)).toThrow(/no subject/);
  });
});
