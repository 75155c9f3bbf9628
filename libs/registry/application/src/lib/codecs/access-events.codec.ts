import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';

import { AccessorRole as ProtoAccessorRole, PersonalDataAccessedSchema } from '@gov/contracts';

import type { AccessorRole, PersonalDataAccessed } from '../access/personal-data-accessed';
import { messageOf, payloadOf, unknownEventType } from './payload';
import type { PayloadCodec } from './payload';
import { enumMapping, required } from './proto-values';

const accessorRole = enumMapping<AccessorRole, ProtoAccessorRole>({
  'data-subject': ProtoAccessorRole.DATA_SUBJECT,
  registrar: ProtoAccessorRole.REGISTRAR,
  'agency-official': ProtoAccessorRole.AGENCY_OFFICIAL,
  'agency-system': ProtoAccessorRole.AGENCY_SYSTEM,
  prefill: ProtoAccessorRole.PREFILL,
});

/** The access log's events as gov.registry.v1 payloads. */
export const accessEventsCodec: PayloadCodec<PersonalDataAccessed> = {
  eventTypes: [PersonalDataAccessedSchema.typeName],

  encode(event, occurredAt) {
    const { data } = event;
    return payloadOf(
      PersonalDataAccessedSchema,
      create(PersonalDataAccessedSchema, {
        subjectNationalId: data.subjectNationalId,
        organisationId: data.organisationId,
        purpose: data.purpose,
        legalBasis: data.legalBasis,
        fieldsRead: [...data.fieldsRead],
        accessedAt: timestampFromDate(data.accessedAt),
        traceId: data.traceId ?? '',
        accessorRole: accessorRole.toProto(data.accessorRole),
        legalBasisId: data.legalBasisId ?? '',
        consentId: data.consentId ?? '',
        procedureId: data.procedureId ?? '',
        ...(data.sealedUntil === undefined
          ? {}
          : { sealedUntil: timestampFromDate(data.sealedUntil) }),
      }),
      occurredAt,
    );
  },

  decode(event) {
    const { eventType } = event;
    if (eventType !== PersonalDataAccessedSchema.typeName) {
      throw unknownEventType(eventType, 'access log');
    }
    const message = messageOf(PersonalDataAccessedSchema, event);
    return {
      type: 'PersonalDataAccessed',
      data: {
        subjectNationalId: message.subjectNationalId,
        organisationId: message.organisationId,
        purpose: message.purpose,
        legalBasis: message.legalBasis,
        fieldsRead: [...message.fieldsRead],
        accessedAt: timestampDate(required(message.accessedAt, eventType, 'accessed_at')),
        traceId: message.traceId === '' ? null : message.traceId,
        accessorRole: accessorRole.fromProto(message.accessorRole, eventType, 'accessor_role'),
        ...(message.legalBasisId === '' ? {} : { legalBasisId: message.legalBasisId }),
        ...(message.consentId === '' ? {} : { consentId: message.consentId }),
        ...(message.procedureId === '' ? {} : { procedureId: message.procedureId }),
        ...(message.sealedUntil === undefined
          ? {}
          : { sealedUntil: timestampDate(message.sealedUntil) }),
      },
    };
  },
};
