// What the application needs from the outside besides the event store. Each port has a
// PostgreSQL implementation (src/lib/postgres) and an in-memory one for unit tests
// (src/testing).
import type { SubjectKeys } from '@gov/platform-data-protection';
import type { AppendMetadata, NewEvent } from '@gov/platform-event-sourcing';
import type {
  CorrectionRecipient,
  CorrectionStatus,
  LocalDate,
  ManagerRole,
  RegisterName,
} from '@gov/registry-domain';

/** The current time. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/** Hands out the numbers the registry assigns; never the same one twice. */
export interface NumberAllocator {
  /**
   * The next unused 3-digit sequence number (0-999) for people born on `birthDate`, or
   * `undefined` when all 1 000 are taken.
   */
  nextPersonSequence(birthDate: LocalDate): Promise<number | undefined>;
  /** The next business number's digits (from 1 up); `undefined` after 999 999. */
  nextBusinessNumber(): Promise<number | undefined>;
}

/** A correction request as its requester's list and a registrar's work list show it. */
export interface CorrectionSummary {
  readonly correctionId: string;
  readonly register: RegisterName;
  readonly recordId: string;
  /** The correctable field, as the domain names it (`familyName`, `registeredAddress`). */
  readonly field: string;
  /** National identification number of the requester. */
  readonly requester: string;
  readonly status: CorrectionStatus;
  readonly requestedAt: Date;
  readonly decidedAt: Date | null;
  /** Staff id of the registrar who decided. */
  readonly decidedBy: string | null;
  /** Why it was rejected. */
  readonly reason: string | null;
  /** Whether the accepted value is in the record (its `…RecordCorrected` event is appended). */
  readonly appliedToRecord: boolean;
  /**
   * When an accepted correction of a person's record was communicated to the organisations
   * that had the old value (`CorrectionCommunicated`); `null` until then, and for businesses.
   */
  readonly communicatedAt: Date | null;
  /** The version of the request's stream this summary reflects. */
  readonly version: number;
}

/** A correction's communication, for {@link CorrectionsReadModel.recordCommunicated}. */
export interface CorrectionCommunicationRecord {
  readonly correctionId: string;
  readonly communicatedAt: Date;
  /** The organisations it was sent to, as the event names them (sealed ones included). */
  readonly recipients: readonly CorrectionRecipient[];
  readonly version: number;
}

/** A decision on a correction request, for {@link CorrectionsReadModel.recordDecision}. */
export interface CorrectionDecision {
  readonly correctionId: string;
  readonly status: 'ACCEPTED' | 'REJECTED';
  readonly decidedAt: Date;
  readonly decidedBy: string;
  readonly reason: string | null;
  readonly version: number;
}

/** Which correction requests to list, newest first. */
export interface CorrectionFilter {
  readonly status?: CorrectionStatus;
  /** At most this many; 100 by default. */
  readonly limit?: number;
}

/**
 * The corrections read model: every correction request by requester and by register, with its
 * status. Written from the request path (read-your-writes) and by the projector from the log
 * (what a crash lost); every write is idempotent and never moves a row back to an older version.
 */
export interface CorrectionsReadModel {
  /** Adds a new request (a repeat changes nothing). */
  recordRequested(summary: CorrectionSummary): Promise<void>;
  /** Forgets every request about a record whose data was erased (a repeat changes nothing). */
  forgetRecord(register: RegisterName, recordId: string): Promise<void>;
  /** Records the decision, unless the row already reflects this version or a later one. */
  recordDecision(decision: CorrectionDecision): Promise<void>;
  /** Marks the accepted value as applied to the record. */
  recordApplied(correctionId: string): Promise<void>;
  /**
   * Records to whom an accepted correction was communicated, unless the row already reflects
   * this version or a later one.
   */
  recordCommunicated(communication: CorrectionCommunicationRecord): Promise<void>;
  /**
   * The organisations an accepted correction was communicated to; `undefined` while it is not
   * communicated (or unknown).
   */
  recipientsOf(correctionId: string): Promise<readonly CorrectionRecipient[] | undefined>;
  /**
   * Requests accepted at or before `decidedBefore` whose value is not in their record yet
   * (the corrections reactor's to-do list), oldest decision first, at most `limit`.
   */
  pendingAcceptances(decidedBefore: Date, limit: number): Promise<string[]>;
  /**
   * Accepted corrections of persons' records decided at or before `decidedBefore` that are not
   * communicated yet (the reactor's other to-do list), oldest decision first, at most `limit`.
   */
  pendingCommunications(decidedBefore: Date, limit: number): Promise<string[]>;
  listByRequester(requester: string, filter?: CorrectionFilter): Promise<CorrectionSummary[]>;
  listByRegisters(
    registers: readonly RegisterName[],
    filter?: CorrectionFilter,
  ): Promise<CorrectionSummary[]>;
}

/**
 * The registrars' own national identification numbers, which the four-eyes rule of corrections
 * needs (a registrar never decides on their own record or request) and the identity provider's
 * tokens do not carry. Filled by enrolment (`registry:enrol-registrar`).
 */
export interface RegistrarDirectory {
  /** The national identification number of the registrar with this staff id, if enrolled. */
  nationalIdOf(registrarId: string): Promise<string | undefined>;
}

/** Where a projection has got to in the registry's global log. */
export interface ProjectionCheckpoints {
  /** The last position applied; 0 for a projection that has not started. */
  load(name: string): Promise<bigint>;
  /** Moves the checkpoint forward (never back). */
  save(name: string, position: bigint): Promise<void>;
}

/** A record of a bulk registration: its birth date, and its first events once it has a number. */
export interface NewPersonRecord {
  readonly birthDate: LocalDate;
  /**
   * The events that start the record's stream, given its national identification number and
   * the keys that seal its personal data.
   */
  events(nationalId: string, keys: SubjectKeys): readonly NewEvent[];
}

/** What {@link BulkRegistrar.registerAll} did. */
export type BulkRegistration =
  /** Every record registered, its numbers in input order. */
  | { readonly registered: true; readonly nationalIds: readonly string[] }
  /** Nothing registered: every number of this birth date is assigned. */
  | { readonly registered: false; readonly exhaustedBirthDate: LocalDate };

/**
 * Registers many persons at once, all or nothing: allocates a number for each record and
 * starts every record's stream in one transaction (a registrar's bulk import, a batch from a
 * civil-status office).
 */
export interface BulkRegistrar {
  /** `keysFor` gives the live keys of the numbers allocated, before their events are made. */
  registerAll(
    records: readonly NewPersonRecord[],
    metadata: AppendMetadata,
    keysFor: (nationalIds: readonly string[]) => Promise<SubjectKeys>,
  ): Promise<BulkRegistration>;
}

/** One person's place among a business's managers, as the business managers read model keeps it. */
export interface BusinessManagement {
  readonly businessNumber: string;
  readonly nationalId: string;
  readonly role: ManagerRole;
}

/**
 * Who manages which business now: the read model behind `GET /persons/{nationalId}/businesses`,
 * a projection of the businesses' events (the register has no other index by manager).
 */
export interface BusinessManagersReadModel {
  /**
   * Replaces the managers of `businessNumber` with `managers`, as of the business's stream
   * version `version`; a version not newer than the one held is ignored (replay, a repeated
   * batch).
   */
  replaceManagers(
    businessNumber: string,
    managers: readonly { readonly nationalId: string; readonly role: ManagerRole }[],
    version: number,
  ): Promise<void>;
  /** The businesses `nationalId` manages now, by business number. */
  managedBy(nationalId: string): Promise<BusinessManagement[]>;
}
