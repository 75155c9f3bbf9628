import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

import { SubjectKeyRecordSchema } from '@gov/contracts';

import type { KeyRecord } from './subject-keys';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A keys topic record that is not a `gov.platform.v1.SubjectKeyRecord` this code accepts. */
export class MalformedKeyRecordError extends Error {
  override readonly name = 'MalformedKeyRecordError';
}

/** A key's state as the value of its record on the keys topic (gov.platform.v1.SubjectKeyRecord). */
export function encodeKeyRecord(record: KeyRecord): Uint8Array {
  return toBinary(
    SubjectKeyRecordSchema,
    create(SubjectKeyRecordSchema, {
      keyId: record.keyId,
      subjectId: record.subjectId,
      createdAt: timestampFromDate(record.createdAt),
      wrappedKey: record.wrappedKey ?? new Uint8Array(),
      ...(record.destroyedAt === null
        ? {}
        : { destroyedAt: timestampFromDate(record.destroyedAt) }),
    }),
  );
}

/**
 * The key state a keys topic record carries, checked: a UUID key id equal to the record's key,
 * a subject, a creation time, and either material or a destruction time.
 *
 * @throws {@link MalformedKeyRecordError} for anything else (the consumer dead-letters it).
 */
export function decodeKeyRecord(recordKey: string | null, value: Uint8Array): KeyRecord {
  let message;
  try {
    message = fromBinary(SubjectKeyRecordSchema, value);
  } catch (error) {
    throw new MalformedKeyRecordError('not a gov.platform.v1.SubjectKeyRecord', { cause: error });
  }
  if (!UUID.test(message.keyId) || message.keyId !== recordKey) {
    throw new MalformedKeyRecordError(`key id "${message.keyId}" is no UUID or not the record key`);
  }
  if (message.subjectId.length === 0 || message.createdAt === undefined) {
    throw new MalformedKeyRecordError(`key ${message.keyId} has no subject or creation time`);
  }
  const destroyed = message.destroyedAt !== undefined;
  if (destroyed === message.wrappedKey.length > 0) {
    throw new MalformedKeyRecordError(
      `key ${message.keyId} must carry either its wrapped material or its destruction time`,
    );
  }
  return {
    keyId: message.keyId,
    subjectId: message.subjectId,
    createdAt: timestampDate(message.createdAt),
    wrappedKey: destroyed ? null : message.wrappedKey,
    destroyedAt: message.destroyedAt === undefined ? null : timestampDate(message.destroyedAt),
  };
}
