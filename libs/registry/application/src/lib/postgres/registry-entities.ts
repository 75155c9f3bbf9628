// The registry's own tables as TypeORM entities (EntitySchema: no decorators in an application
// library). Their schema is the data source's (`registry_app`).
import { EntitySchema } from 'typeorm';

import type { CorrectionStatus, ManagerRole, RegisterName } from '@gov/registry-domain';

/** The next 3-digit sequence number of national identification numbers, per birth date. */
export interface PersonSequenceRow {
  birthDate: string;
  nextSequence: number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const PersonSequenceEntity = new EntitySchema<PersonSequenceRow>({
  name: 'PersonSequence',
  tableName: 'person_sequences',
  columns: {
    birthDate: { name: 'birth_date', type: 'date', primary: true },
    nextSequence: { name: 'next_sequence', type: 'integer' },
  },
});

/** A row of the corrections read model. */
export interface CorrectionRow {
  correctionId: string;
  register: RegisterName;
  recordId: string;
  field: string;
  requester: string;
  status: CorrectionStatus;
  requestedAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  reason: string | null;
  appliedToRecord: boolean;
  communicatedAt: Date | null;
  /** The recipients of `CorrectionCommunicated`, as JSON (times as ISO 8601 strings). */
  recipients: RecipientJson[] | null;
  version: number;
}

/** A recipient of a communicated correction as the `recipients` column keeps it. */
export interface RecipientJson {
  organisationId: string;
  noticeId: string;
  lastReceivedAt: string;
  purpose: string;
  legalBasis: string;
  legalBasisId?: string;
  consentId?: string;
  procedureId?: string;
  sealedUntil?: string;
}

/** `bigint` arrives as a string from pg; versions stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number | undefined): number | undefined => value,
  from: (value: string | null): number | null => (value === null ? null : Number(value)),
};

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const CorrectionEntity = new EntitySchema<CorrectionRow>({
  name: 'Correction',
  tableName: 'corrections',
  columns: {
    correctionId: { name: 'correction_id', type: 'uuid', primary: true },
    register: { type: 'text' },
    recordId: { name: 'record_id', type: 'text' },
    field: { type: 'text' },
    requester: { type: 'text' },
    status: { type: 'text' },
    requestedAt: { name: 'requested_at', type: 'timestamptz' },
    decidedAt: { name: 'decided_at', type: 'timestamptz', nullable: true },
    decidedBy: { name: 'decided_by', type: 'text', nullable: true },
    reason: { type: 'text', nullable: true },
    appliedToRecord: { name: 'applied_to_record', type: 'boolean', default: false },
    communicatedAt: { name: 'communicated_at', type: 'timestamptz', nullable: true },
    recipients: { type: 'jsonb', nullable: true },
    version: { type: 'bigint', transformer: bigintAsNumber },
  },
});

/** A registrar's own national identification number (the four-eyes rule of corrections). */
export interface RegistrarRow {
  registrarId: string;
  nationalId: string;
  enrolledAt: Date;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const RegistrarEntity = new EntitySchema<RegistrarRow>({
  name: 'Registrar',
  tableName: 'registrars',
  columns: {
    registrarId: { name: 'registrar_id', type: 'text', primary: true },
    nationalId: { name: 'national_id', type: 'text' },
    enrolledAt: { name: 'enrolled_at', type: 'timestamptz', default: () => 'now()' },
  },
});

/** An access event kept on a site that could not append it (see `SiteAccessLog`). */
export interface SiteAccessRow {
  eventId: string;
  streamId: string;
  eventType: string;
  payloadSchemaVersion: number;
  payload: Buffer;
  occurredAt: Date;
  /** The append's `AppendMetadata`, as JSON. */
  metadata: Record<string, unknown>;
  /** When this site kept it; entries join the log in this order. */
  keptAt: Date;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const SiteAccessEntity = new EntitySchema<SiteAccessRow>({
  name: 'SiteAccess',
  tableName: 'site_access_log',
  columns: {
    eventId: { name: 'event_id', type: 'uuid', primary: true },
    streamId: { name: 'stream_id', type: 'text' },
    eventType: { name: 'event_type', type: 'text' },
    payloadSchemaVersion: { name: 'payload_schema_version', type: 'integer' },
    payload: { type: 'bytea' },
    occurredAt: { name: 'occurred_at', type: 'timestamptz' },
    metadata: { type: 'jsonb' },
    keptAt: { name: 'kept_at', type: 'timestamptz', default: () => 'clock_timestamp()' },
  },
});

/** A row of the business managers read model: one manager of one business, now. */
export interface BusinessManagerRow {
  businessNumber: string;
  nationalId: string;
  role: ManagerRole;
  /** The business's stream version that set this list of managers. */
  version: number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- TypeORM types its plain options object as a class; a literal is its documented use.
export const BusinessManagerEntity = new EntitySchema<BusinessManagerRow>({
  name: 'BusinessManager',
  tableName: 'business_managers',
  columns: {
    businessNumber: { name: 'business_number', type: 'text', primary: true },
    nationalId: { name: 'national_id', type: 'text', primary: true },
    role: { type: 'text' },
    version: { type: 'bigint', transformer: bigintAsNumber },
  },
});
