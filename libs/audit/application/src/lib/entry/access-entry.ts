import { createHash } from 'node:crypto';

import { leafHash } from '@gov/audit-merkle';
import type { Hash } from '@gov/audit-merkle';

/** In which capacity data was accessed (gov.audit.v1.AccessCapacity). */
export type AccessCapacityName =
  | 'data-subject'
  | 'registrar'
  | 'agency-official'
  | 'agency-system'
  | 'prefill'
  | 'permitted-organisation'
  | 'correction-recipient'
  | 'feed-recipient';

/** Where the audit service learnt of an access. */
export interface EntrySource {
  /** The reporting service (`registry`, `consent`, `letterbox`). */
  readonly service: string;
  /** The source event's id. */
  readonly eventId: string;
  /** The source event's type (`gov.registry.v1.PersonalDataAccessed`). */
  readonly eventType: string;
}

/** One entry of the access log: one access to one person's data (gov.audit.v1.AccessRecorded). */
export interface AccessEntry {
  readonly entryId: string;
  readonly subjectNationalId: string;
  readonly organisationId: string;
  /** Token subject of the official or system; `null` when the source does not say. */
  readonly actorId: string | null;
  readonly capacity: AccessCapacityName;
  /** Fields or data categories accessed, at least one. */
  readonly fields: readonly string[];
  readonly accessedAt: Date;
  readonly purpose: string;
  /** The provision the access rests on; `null` for a consent. */
  readonly legalBasis: string | null;
  /** The catalogue id of the legal basis, when the source names one. */
  readonly legalBasisId: string | null;
  /** The consent artefact the access rests on; `null` for a legal basis. */
  readonly consentId: string | null;
  readonly procedureId: string | null;
  readonly traceId: string | null;
  readonly source: EntrySource;
  /** Hidden from the subject before this instant; `null` when not sealed. */
  readonly sealedUntil: Date | null;
  /** 32 random bytes, part of the leaf. */
  readonly salt: Uint8Array;
}

/** The `format` member of every canonical leaf of this version. */
export const LEAF_FORMAT = 'gov.audit.v1.leaf';

/**
 * The entry id of the access a source event reports: a UUID (version 8, RFC 9562) from
 * SHA-256 over `gov.audit.v1.entry`, the source service and the source event id. Deterministic,
 * so a redelivered or republished source event maps to the same entry, which the store refuses
 * to append twice.
 */
export function entryIdFor(sourceService: string, sourceEventId: string): string {
  const digest = createHash('sha256')
    .update(`gov.audit.v1.entry\n${sourceService}\n${sourceEventId}`)
    .digest();
  const bytes = Uint8Array.from(digest.subarray(0, 16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The canonical leaf of an entry, as a JSON object whose members are all strings, `null` or
 * arrays of strings. Its bytes ({@link canonicalLeafText}) are what the Merkle tree hashes.
 */
export interface CanonicalLeaf {
  readonly format: typeof LEAF_FORMAT;
  readonly entryId: string;
  readonly subjectNationalId: string;
  readonly organisationId: string;
  readonly actorId: string | null;
  readonly capacity: AccessCapacityName;
  readonly fields: readonly string[];
  readonly accessedAt: string;
  readonly purpose: string;
  readonly legalBasis: string | null;
  readonly legalBasisId: string | null;
  readonly consentId: string | null;
  readonly procedureId: string | null;
  readonly traceId: string | null;
  readonly sourceService: string;
  readonly sourceEventId: string;
  readonly sourceEventType: string;
  readonly sealedUntil: string | null;
  readonly salt: string;
}

const LEAF_KEYS: readonly (keyof CanonicalLeaf)[] = [
  'format',
  'entryId',
  'subjectNationalId',
  'organisationId',
  'actorId',
  'capacity',
  'fields',
  'accessedAt',
  'purpose',
  'legalBasis',
  'legalBasisId',
  'consentId',
  'procedureId',
  'traceId',
  'sourceService',
  'sourceEventId',
  'sourceEventType',
  'sealedUntil',
  'salt',
];
const SORTED_LEAF_KEYS = [...LEAF_KEYS].sort();

/** The canonical leaf object of an entry (instants as ISO 8601 UTC with milliseconds). */
export function canonicalLeafOf(entry: AccessEntry): CanonicalLeaf {
  return {
    format: LEAF_FORMAT,
    entryId: entry.entryId,
    subjectNationalId: entry.subjectNationalId,
    organisationId: entry.organisationId,
    actorId: entry.actorId,
    capacity: entry.capacity,
    fields: [...entry.fields],
    accessedAt: entry.accessedAt.toISOString(),
    purpose: entry.purpose,
    legalBasis: entry.legalBasis,
    legalBasisId: entry.legalBasisId,
    consentId: entry.consentId,
    procedureId: entry.procedureId,
    traceId: entry.traceId,
    sourceService: entry.source.service,
    sourceEventId: entry.source.eventId,
    sourceEventType: entry.source.eventType,
    sealedUntil: entry.sealedUntil?.toISOString() ?? null,
    salt: Buffer.from(entry.salt).toString('base64url'),
  };
}

/**
 * The canonical text of a leaf: RFC 8785 (JCS) for an object of strings, `null`s and arrays of
 * strings, which is `JSON.stringify` with the members sorted by their names (no whitespace,
 * ECMAScript string escaping). Every member is present (absent values are `null`); the array
 * keeps the source's order. UTF-8 of this text is the leaf.
 */
export function canonicalLeafText(leaf: CanonicalLeaf): string {
  const members = SORTED_LEAF_KEYS.map(
    (key) => `${JSON.stringify(key)}:${JSON.stringify(leaf[key])}`,
  );
  return `{${members.join(',')}}`;
}

/** The leaf bytes of an entry. */
export function leafBytesOf(entry: AccessEntry): Uint8Array {
  return new TextEncoder().encode(canonicalLeafText(canonicalLeafOf(entry)));
}

/** The leaf hash of an entry: SHA-256(0x00 || leaf). */
export function entryLeafHash(entry: AccessEntry): Hash {
  return leafHash(leafBytesOf(entry));
}

/** Why a text is not a canonical leaf of this version. */
export class NotACanonicalLeafError extends Error {
  override readonly name = 'NotACanonicalLeafError';
}

const NULLABLE_STRINGS = new Set<keyof CanonicalLeaf>([
  'actorId',
  'legalBasis',
  'legalBasisId',
  'consentId',
  'procedureId',
  'traceId',
  'sealedUntil',
]);

/**
 * Reads a canonical leaf back from its text, checking its shape (every member, of its type, no
 * other). Does not check that the text is canonical: a verifier re-serialises with
 * {@link canonicalLeafText} and hashes that, so a non-canonical text simply does not verify.
 *
 * @throws {@link NotACanonicalLeafError} naming the first member that does not fit.
 */
export function parseCanonicalLeaf(value: unknown): CanonicalLeaf {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NotACanonicalLeafError('a leaf is a JSON object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!LEAF_KEYS.includes(key as keyof CanonicalLeaf)) {
      throw new NotACanonicalLeafError(`unknown leaf member "${key}"`);
    }
  }
  for (const key of LEAF_KEYS) {
    const member = record[key];
    const ok =
      key === 'fields'
        ? Array.isArray(member) && member.every((field) => typeof field === 'string')
        : typeof member === 'string' || (member === null && NULLABLE_STRINGS.has(key));
    if (!ok) throw new NotACanonicalLeafError(`leaf member "${key}" is missing or mistyped`);
  }
  if (record['format'] !== LEAF_FORMAT) {
    throw new NotACanonicalLeafError(`leaf format is not ${LEAF_FORMAT}`);
  }
  return record as unknown as CanonicalLeaf;
}
