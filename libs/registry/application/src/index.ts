/**
 * The registry's application layer: its use cases over the registry's deciders (load → decide
 * → append), the gov.registry.v1 and gov.registry.vehicles.v1 payload codecs, number
 * allocation, the access log, the corrections read model and reactor, and the PostgreSQL
 * tables they use. No HTTP and no Nest:
 * the service (`services/registry`) maps requests to these calls. See README.md.
 *
 * @packageDocumentation
 */

// Use cases
export { PersonService } from './lib/persons/person.service';
export type { PersonErasure } from './lib/persons/person.service';
export { shredErasedSubjectKey } from './lib/persons/subject-key-shredder';
export type {
  PersonWritten,
  PersonsRegistered,
  RegisterPersonInput,
} from './lib/persons/person.service';
export { MAX_BULK_REGISTRATIONS } from './lib/persons/person.service';
export type { PersonView } from './lib/persons/person.views';
export type { PersonRead } from './lib/persons/person.service';
export { BusinessService } from './lib/businesses/business.service';
export type {
  BusinessWritten,
  ManagedBusiness,
  ManagedBusinesses,
  RegisterBusinessInput,
} from './lib/businesses/business.service';
export {
  BUSINESS_MANAGERS_PROJECTION,
  BusinessManagersProjector,
  projectBusinessManagersEvent,
} from './lib/businesses/business-managers.projector';
export type { BusinessRead, BusinessView } from './lib/businesses/business.views';
export { VehicleService, vehicles } from './lib/vehicles/vehicle.service';
export type { RegisterVehicleInput, VehicleWritten } from './lib/vehicles/vehicle.service';
export type { OwnerView, VehicleRead, VehicleView } from './lib/vehicles/vehicle.views';
export { CorrectionService } from './lib/corrections/correction.service';
export type {
  CorrectionAcceptance,
  CorrectionWritten,
  RequestCorrectionInput,
} from './lib/corrections/correction.service';
export type {
  CorrectionRecipientView,
  CorrectionView,
  CorrectionViewOptions,
} from './lib/corrections/correction.views';
export {
  acceptanceOf,
  communicateCorrection,
  completeAcceptedCorrection,
  noticeIdFor,
} from './lib/corrections/apply-accepted-correction';
export type {
  CompletedCorrection,
  CorrectedRecord,
  RecordedAcceptance,
} from './lib/corrections/apply-accepted-correction';
export {
  CORRECTIONS_PROJECTION,
  CorrectionsProjector,
  projectCorrectionEvent,
} from './lib/corrections/corrections.projector';
export { CorrectionsReactor } from './lib/corrections/corrections.reactor';
export type {
  CorrectionsReactorOptions,
  ReactorLogger,
} from './lib/corrections/corrections.reactor';
export type { HistoryEntry, RecordHistory } from './lib/history';

// Requests, callers, access
export {
  REGISTRY_ACTOR,
  actorOf,
  appendMetadata,
  parseTraceparent,
  recordedActor,
  traceIdOf,
} from './lib/context';
export type { Actor, ChangeOptions, IdempotencySeed, RequestContext } from './lib/context';
export {
  DECLARATION_LIMITS,
  LEGAL_BASIS_HEADER,
  PURPOSE_HEADER,
  REGISTER_KEEPING,
} from './lib/access/access-policy';
export { AccessLog } from './lib/access/access-log';
export { AgencyReadPolicy } from './lib/access/agency-reads';
export type {
  AgencyReadPermit,
  AgencyReadRequest,
  ConsentDecision,
  ConsentDecisionRequest,
  ConsentDecisions,
} from './lib/access/agency-reads';
export type { SiteAccessEntry, SiteAccessLog } from './lib/access/site-access-log';
export type { AccessorRole, PersonalDataAccessed } from './lib/access/personal-data-accessed';
export { REGISTRY_REJECTION_STATUSES, toApplicationError } from './lib/errors';
export { eventIdsFor, keysOfRecord } from './lib/commands';
export { AGENCY_FEED_PREFIX, streamIds } from './lib/streams';

// Agency feeds: the cuts of each organisation's change feed, recorded in the log
export {
  AgencyFeedCuts,
  agencyFeedCutCodec,
  cutCategories,
  isAgencyFeedCut,
} from './lib/feeds/agency-feed-cuts';
export type { AgencyFeedCut, FeedCutOutcome } from './lib/feeds/agency-feed-cuts';

// Ports
export { systemClock } from './lib/ports';
export type {
  BusinessManagement,
  BusinessManagersReadModel,
  Clock,
  CorrectionCommunicationRecord,
  CorrectionDecision,
  CorrectionFilter,
  CorrectionSummary,
  CorrectionsReadModel,
  NumberAllocator,
  ProjectionCheckpoints,
  RegistrarDirectory,
} from './lib/ports';

// Payloads (gov.registry.v1)
export {
  NO_PERSONAL_DATA,
  PAYLOAD_SCHEMA_VERSION,
  SEALED_PAYLOAD_SCHEMA_VERSION,
} from './lib/codecs/payload';
export type { PayloadCodec, StoredPayload } from './lib/codecs/payload';
export { MalformedPayloadError } from './lib/codecs/proto-values';
export { personCorrectionToProto, personEventsCodec } from './lib/codecs/person-events.codec';
export { businessEventsCodec } from './lib/codecs/business-events.codec';
export {
  deregistrationGround,
  vehicleEventsCodec,
  vehicleOwnerToProto,
} from './lib/vehicles/vehicle-events.codec';
export { correctionEventsCodec } from './lib/codecs/correction-events.codec';
export { accessEventsCodec } from './lib/codecs/access-events.codec';

// PostgreSQL
export {
  APPLICATION_SCHEMA,
  EVENT_STORE_SCHEMA,
  REGISTRY_ENTITIES,
  REGISTRY_MIGRATIONS,
  REGISTRY_SCHEMAS,
  REGISTRY_SQL_MIGRATIONS,
  REQUIRED_REGISTRY_MIGRATION,
  createRegistryDataSource,
  migrateRegistry,
  verifyRegistrySchema,
} from './lib/postgres/registry-schema';

export {
  PgBusinessManagersReadModel,
  PgCorrectionsReadModel,
  PgNumberAllocator,
  PgRegistrarDirectory,
  pgBusinessManagersProjection,
  pgCorrectionsProjection,
  reseedAllocators,
} from './lib/postgres/pg-stores';
export { PgBulkRegistrar } from './lib/postgres/pg-bulk-registrar';
export { PgCorrectionsEventStore } from './lib/postgres/pg-corrections-event-store';
export { PgSiteAccessLog } from './lib/postgres/pg-site-access-log';
export {
  RegistryBaseline1765000000100,
  RegistryBusinessManagers1765000000400,
} from './lib/postgres/registry-migrations';
export {
  BusinessManagerEntity,
  CorrectionEntity,
  PersonSequenceEntity,
  RegistrarEntity,
} from './lib/postgres/registry-entities';
export type {
  BusinessManagerRow,
  CorrectionRow,
  PersonSequenceRow,
  RegistrarRow,
} from './lib/postgres/registry-entities';
