import { PersonErasedSchema } from '@gov/contracts';
import { ApplicationError } from '@gov/platform-chassis';
import { KeyRing } from '@gov/platform-data-protection';
import type { KeyLookup, SubjectKeyStore, SubjectKeys } from '@gov/platform-data-protection';
import type { EventStore, RecordedEvent } from '@gov/platform-event-sourcing';
import { DomainRejection, isDomainRejection } from '@gov/platform-decider';
import type { FieldIssue } from '@gov/platform-decider';
import { composeNationalId } from '@gov/registry-domain';
import type { RegistryRejectionCode } from '@gov/registry-domain';
import type {
  Address,
  ChangeCivilStatus,
  ChangeName,
  ErasePerson,
  PersonCommand,
  RecordDeath,
  RegisterPerson,
} from '@gov/registry-domain';

import { personReadAccess, requireRegistrarOf } from '../access/access-policy';
import type { ReadRecord } from '../access/access-policy';
import type { AccessLog } from '../access/access-log';
import type { AgencyReadPolicy } from '../access/agency-reads';
import { messageOf } from '../codecs/payload';
import { create, eventIdsFor, execute, fold, keysToRead, keysToWrite, persons } from '../commands';
import { actorOf, appendMetadata } from '../context';
import type { ChangeOptions, RequestContext } from '../context';
import { historyEntries, recordedBy } from '../history';
import type { RecordHistory } from '../history';
import type { BulkRegistrar, Clock, NumberAllocator } from '../ports';
import { streamIds } from '../streams';
import {
  minimisedChange,
  minimisedPersonView,
  personChange,
  personFieldsRead,
  personView,
  populatedFields,
} from './person.views';
import type { PersonView } from './person.views';

/** A person's record as a reader receives it: an agency only the fields it may have. */
export type PersonRead = Partial<PersonView> &
  Pick<PersonView, 'nationalId' | 'status' | 'version'>;

/** A decided read: how it is recorded, and the fields an agency may receive (all: undefined). */
interface DecidedRead {
  readonly record: ReadRecord;
  readonly fields?: ReadonlySet<string>;
}

/** What registering a person needs: everything but the number, which the registry assigns. */
export type RegisterPersonInput = Omit<RegisterPerson['data'], 'nationalId'>;

/** The outcome of a write on a person's record. */
export interface PersonWritten {
  readonly nationalId: string;
  /** The record's version afterwards (its new `ETag`). */
  readonly version: number;
  /** Whether the command changed the record (`false`: the effect was already in place). */
  readonly changed: boolean;
}

/**
 * How often registering tries another sequence number when the one allocated is taken by a
 * record that did not come through the allocator (an import, a restored backup).
 */
const MAX_ALLOCATION_ATTEMPTS = 20;

/** Most persons one bulk registration takes (one transaction, one statement of events). */
export const MAX_BULK_REGISTRATIONS = 500;

/** The outcome of an erasure. */
export interface PersonErasure extends PersonWritten {
  /** When the person's key was destroyed on this site. */
  readonly erasedAt: Date;
}

/** The outcome of a bulk registration: every record, in input order, at version 1. */
export interface PersonsRegistered {
  readonly registered: readonly PersonWritten[];
}

/**
 * The register of natural persons, as use cases: load → decide → append, with the caller's
 * rights checked first and every read of personal data by others recorded.
 */
export class PersonService {
  constructor(
    private readonly store: EventStore,
    /** The per-subject keys: every person's personal data is sealed under their own. */
    private readonly keys: SubjectKeyStore,
    private readonly clock: Clock,
    private readonly numbers: NumberAllocator,
    private readonly accessLog: AccessLog,
    private readonly bulk: BulkRegistrar,
    /** Decides agencies' reads; without it, agencies read nothing (403). */
    private readonly agencyReads?: AgencyReadPolicy,
  ) {}

  /**
   * Registers a person under a new national identification number: the next free sequence
   * number for the birth date, allocated only once the input is known to be valid (an invalid
   * request does not use a number up).
   */
  async register(context: RequestContext, input: RegisterPersonInput): Promise<PersonWritten> {
    requireRegistrarOf(context.principal, 'persons');
    const now = this.clock.now();
    validateRegistration(input, now);
    const metadata = appendMetadata(context, actorOf(context.principal));
    for (let attempt = 1; attempt <= MAX_ALLOCATION_ATTEMPTS; attempt += 1) {
      const sequence = await this.numbers.nextPersonSequence(input.birthDate);
      if (sequence === undefined) {
        throw ApplicationError.conflict(
          `every national identification number for birth date ${input.birthDate} is assigned`,
        );
      }
      const nationalId = composeNationalId(input.birthDate, sequence);
      const outcome = await create(
        this.store,
        persons,
        streamIds.person(nationalId),
        { type: 'RegisterPerson', data: { ...input, nationalId }, metadata: { now } },
        {
          metadata,
          keys: await keysToWrite(this.keys, nationalId),
          ...(context.idempotency ? { idempotency: context.idempotency } : {}),
        },
      );
      if (outcome.created) return { nationalId, version: outcome.appended.length, changed: true };
    }
    throw ApplicationError.conflict(
      `no free national identification number found for birth date ${input.birthDate}; retry`,
    );
  }

  /**
   * Registers many persons at once, all or nothing (a bulk import): every input is checked
   * first (a 400 lists the offending fields as `persons[i].field`), then numbers are allocated
   * and every record is started in one transaction. With an idempotency seed the event ids
   * derive from it and the record's index, as for a single registration.
   */
  async registerMany(
    context: RequestContext,
    inputs: readonly RegisterPersonInput[],
  ): Promise<PersonsRegistered> {
    requireRegistrarOf(context.principal, 'persons');
    if (inputs.length === 0 || inputs.length > MAX_BULK_REGISTRATIONS) {
      throw ApplicationError.validationFailed(
        `a bulk registration takes 1 to ${MAX_BULK_REGISTRATIONS} persons`,
        [{ field: 'persons', message: `must hold 1 to ${MAX_BULK_REGISTRATIONS} persons` }],
      );
    }
    const now = this.clock.now();
    const issues = inputs.flatMap((input, i) =>
      registrationIssues(input, now).map((v) => ({ ...v, field: `persons[${i}].${v.field}` })),
    );
    if (issues.length > 0) {
      throw new DomainRejection<RegistryRejectionCode>(
        'INVALID_INPUT',
        `RegisterPersons: ${issues.map((v) => v.field).join(', ')}`,
        issues,
      );
    }
    const seed = context.idempotency;
    const outcome = await this.bulk.registerAll(
      inputs.map((input, i) => ({
        birthDate: input.birthDate,
        events: (nationalId: string, keys) => {
          const ids = seed
            ? eventIdsFor({ seed: `${seed.seed}#${i}`, firstSeenAt: seed.firstSeenAt })
            : undefined;
          return persons.decider
            .decide(
              { type: 'RegisterPerson', data: { ...input, nationalId }, metadata: { now } },
              persons.decider.initialState,
            )
            .map((event, k) => {
              const encoded = persons.codec.encode(event, now, keys);
              return ids ? { ...encoded, eventId: ids(k) } : encoded;
            });
        },
      })),
      appendMetadata(context, actorOf(context.principal)),
      (nationalIds) => KeyRing.forWriting(this.keys, nationalIds),
    );
    if (!outcome.registered) {
      throw ApplicationError.conflict(
        `every national identification number for birth date ${outcome.exhaustedBirthDate} is assigned; nothing was registered`,
      );
    }
    return {
      registered: outcome.nationalIds.map((nationalId) => ({
        nationalId,
        version: 1,
        changed: true,
      })),
    };
  }

  changeName(
    context: RequestContext,
    nationalId: string,
    data: Omit<ChangeName['data'], 'nationalId'>,
    options: ChangeOptions = {},
  ): Promise<PersonWritten> {
    return this.change(context, nationalId, options, (now) => ({
      type: 'ChangeName',
      data: { ...data, nationalId },
      metadata: { now },
    }));
  }

  changeAddress(
    context: RequestContext,
    nationalId: string,
    address: Address,
    options: ChangeOptions = {},
  ): Promise<PersonWritten> {
    return this.change(context, nationalId, options, (now) => ({
      type: 'ChangeAddress',
      data: { nationalId, address },
      metadata: { now },
    }));
  }

  changeCivilStatus(
    context: RequestContext,
    nationalId: string,
    data: Omit<ChangeCivilStatus['data'], 'nationalId'>,
    options: ChangeOptions = {},
  ): Promise<PersonWritten> {
    return this.change(context, nationalId, options, (now) => ({
      type: 'ChangeCivilStatus',
      data: { ...data, nationalId },
      metadata: { now },
    }));
  }

  recordDeath(
    context: RequestContext,
    nationalId: string,
    data: Omit<RecordDeath['data'], 'nationalId'>,
    options: ChangeOptions = {},
  ): Promise<PersonWritten> {
    return this.change(context, nationalId, options, (now) => ({
      type: 'RecordDeath',
      data: { ...data, nationalId },
      metadata: { now },
    }));
  }

  /**
   * The person's record, now or as it stood at `asOf` (404 if it did not exist then). A read
   * by a registrar or an agency is recorded before the record is returned.
   */
  async get(context: RequestContext, nationalId: string, asOf?: Date): Promise<PersonRead> {
    const { record, fields } = await this.decideRead(context, nationalId);
    const stream = await this.readPerson(nationalId);
    const asStood = recordedBy(stream, asOf);
    const { state, version } = fold(persons, asStood, await keysToRead(this.keys, asStood));
    if (state.status === 'unregistered' || state.status === 'erased') {
      throw ApplicationError.notFound(
        asOf === undefined
          ? `no person is registered with national identification number ${nationalId}`
          : `no person was registered with national identification number ${nationalId} at ${asOf.toISOString()}`,
      );
    }
    const full = personView(state, version);
    const view = fields === undefined ? full : minimisedPersonView(full, fields);
    await this.accessLog.record(
      context,
      record,
      nationalId,
      personFieldsRead(populatedFields(view)),
    );
    return view;
  }

  /** Every change of the person's record, oldest first, with who made it and when. */
  async history(context: RequestContext, nationalId: string): Promise<RecordHistory> {
    const { record, fields } = await this.decideRead(context, nationalId);
    const stream = await this.readPerson(nationalId);
    const { recorded, events, version } = fold(
      persons,
      stream,
      await keysToRead(this.keys, stream),
    );
    if (version === 0) {
      throw ApplicationError.notFound(
        `no person is registered with national identification number ${nationalId}`,
      );
    }
    const all = historyEntries(recorded, events, personChange);
    const entries = fields === undefined ? all : all.map((entry) => minimisedChange(entry, fields));
    await this.accessLog.record(
      context,
      record,
      nationalId,
      personFieldsRead(entries.flatMap((entry) => entry.changedFields)),
    );
    return { recordId: nationalId, version, entries };
  }

  /**
   * Erases the person's data under `legalGround`: appends `PersonErased` (closing the record),
   * then destroys the person's key, which makes the personal data of every earlier event
   * unreadable. Every site destroys its copy of the key when it applies `PersonErased` (see
   * `SubjectKeyShredder`); the other site also receives the destruction on the keys topic.
   * Repeating it completes an erasure that was interrupted and changes nothing else.
   */
  async erase(
    context: RequestContext,
    nationalId: string,
    data: Omit<ErasePerson['data'], 'nationalId'>,
    options: ChangeOptions = {},
  ): Promise<PersonErasure> {
    requireRegistrarOf(context.principal, 'persons');
    const now = this.clock.now();
    const known = await this.keys.stateOf(nationalId);
    if (known?.state === 'destroyed') {
      // The key is gone already: the erasure was carried out (here, or on the other site).
      const stream = await this.store.readStream(streamIds.person(nationalId));
      return {
        nationalId,
        version: stream.at(-1)?.streamVersion ?? 0,
        changed: false,
        erasedAt: known.destroyedAt,
      };
    }
    const keys = await this.keysForChange(nationalId, known);
    const result = await execute(
      this.store,
      persons,
      streamIds.person(nationalId),
      { type: 'ErasePerson', data: { ...data, nationalId }, metadata: { now } },
      {
        metadata: appendMetadata(context, actorOf(context.principal)),
        keys,
        ...(options.expectedVersion === undefined
          ? {}
          : { expectedVersion: options.expectedVersion }),
      },
    );
    const destruction = await this.keys.destroy(nationalId, now);
    return {
      nationalId,
      version: result.streamVersion,
      changed: result.events.length > 0 || destruction.destroyed,
      erasedAt: destruction.destroyedAt ?? now,
    };
  }

  /**
   * The keys a command on an existing record needs: the person's key as this site knows it (a
   * destroyed one makes the command fail with `SubjectErasedError`, 410). Without one, the number
   * is unknown (the decision answers 404, and no key is made for a number nobody holds) or the
   * record predates sealing, and gets its key now.
   */
  private async keysForChange(
    nationalId: string,
    known: KeyLookup | undefined,
  ): Promise<SubjectKeys> {
    if (known !== undefined) return new KeyRing([known]);
    const stream = await this.store.readStream(streamIds.person(nationalId));
    return stream.length === 0 ? KeyRing.EMPTY : keysToWrite(this.keys, nationalId);
  }

  /**
   * The person's stream, refused with 410 once their data is erased: nothing of it is answered
   * any more, as of any date, to anyone.
   */
  private async readPerson(nationalId: string): Promise<readonly RecordedEvent[]> {
    const stream = await this.store.readStream(streamIds.person(nationalId));
    const last = stream.at(-1);
    if (last?.eventType === PersonErasedSchema.typeName) {
      const { legalGround } = messageOf(PersonErasedSchema, last);
      throw ApplicationError.gone(
        `the data of person ${nationalId} was erased on ${last.recordedAt.toISOString()} ` +
          `(${legalGround}); the register keeps only the number`,
        { extensions: { code: 'RECORD_ERASED' } },
      );
    }
    return stream;
  }

  /** Who may read, how it is recorded, and what an agency may receive. */
  private async decideRead(context: RequestContext, nationalId: string): Promise<DecidedRead> {
    const access = personReadAccess(context, nationalId);
    if (access.kind === 'decided') return { record: access.record };
    if (this.agencyReads === undefined) {
      throw ApplicationError.forbidden('agencies do not read person records here');
    }
    const permit = await this.agencyReads.permit({
      organisationId: access.organisationId,
      subject: nationalId,
      purpose: access.purpose,
      ...(access.legalBasisId === undefined ? {} : { legalBasisId: access.legalBasisId }),
      ...(context.bearerToken === undefined ? {} : { bearerToken: context.bearerToken }),
    });
    return {
      fields: permit.fields,
      record: {
        organisationId: access.organisationId,
        purpose: permit.purpose,
        legalBasis: permit.legalBasis,
        // platform-auth does not tell an official from a back-office system; agency tokens are
        // issued to systems (clients) today.
        accessorRole: 'agency-system',
        ...(permit.legalBasisId === undefined ? {} : { legalBasisId: permit.legalBasisId }),
        ...(permit.consentId === undefined ? {} : { consentId: permit.consentId }),
        ...(permit.sealedUntil === undefined ? {} : { sealedUntil: permit.sealedUntil }),
      },
    };
  }

  private async change(
    context: RequestContext,
    nationalId: string,
    options: ChangeOptions,
    command: (now: Date) => PersonCommand,
  ): Promise<PersonWritten> {
    requireRegistrarOf(context.principal, 'persons');
    const result = await execute(
      this.store,
      persons,
      streamIds.person(nationalId),
      command(this.clock.now()),
      {
        metadata: appendMetadata(context, actorOf(context.principal)),
        keys: await this.keysForChange(nationalId, await this.keys.stateOf(nationalId)),
        ...(options.expectedVersion === undefined
          ? {}
          : { expectedVersion: options.expectedVersion }),
      },
    );
    return { nationalId, version: result.streamVersion, changed: result.events.length > 0 };
  }
}

/**
 * Checks a registration before a number is allocated for it: the decision on a stand-in number
 * for the same birth date reports every invalid field except the number itself (which the
 * registry composes, so it is valid). A birth date before 1850 cannot be encoded in a number.
 */
function validateRegistration(input: RegisterPersonInput, now: Date): void {
  const issues = registrationIssues(input, now);
  if (issues.length > 0) {
    throw new DomainRejection<RegistryRejectionCode>(
      'INVALID_INPUT',
      `RegisterPerson: ${issues.map((v) => v.field).join(', ')}`,
      issues,
    );
  }
}

/** What is wrong with a registration (nothing: empty). Other failures are thrown. */
function registrationIssues(input: RegisterPersonInput, now: Date): FieldIssue[] {
  const issues: FieldIssue[] = [];
  let standIn: string | undefined;
  try {
    standIn = composeNationalId(input.birthDate, 0);
  } catch {
    standIn = undefined;
  }
  try {
    persons.decider.decide(
      { type: 'RegisterPerson', data: { ...input, nationalId: standIn ?? '' }, metadata: { now } },
      persons.decider.initialState,
    );
  } catch (error) {
    if (!isDomainRejection<RegistryRejectionCode>(error, 'INVALID_INPUT')) throw error;
    issues.push(...error.fields.filter((v) => v.field !== 'nationalId'));
  }
  if (standIn === undefined && !issues.some((v) => v.field === 'birthDate')) {
    issues.push({
      field: 'birthDate',
      code: 'not-encodable',
      message: 'must be a date from 1850-01-01 on (the national identification number encodes it)',
    });
  }
  return issues;
}
