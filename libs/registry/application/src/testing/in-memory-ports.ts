// In-memory implementations of the application's ports, for its unit tests. Not exported.
import type { SubjectKeys } from '@gov/platform-data-protection';
import type { AppendMetadata, EventStore } from '@gov/platform-event-sourcing';
import { composeNationalId } from '@gov/registry-domain';
import type {
  CorrectionRecipient,
  CorrectionStatus,
  LocalDate,
  ManagerRole,
  RegisterName,
} from '@gov/registry-domain';

import type {
  BusinessManagement,
  BusinessManagersReadModel,
  BulkRegistrar,
  BulkRegistration,
  Clock,
  CorrectionCommunicationRecord,
  CorrectionDecision,
  CorrectionFilter,
  CorrectionSummary,
  CorrectionsReadModel,
  NewPersonRecord,
  NumberAllocator,
  ProjectionCheckpoints,
  RegistrarDirectory,
} from '../lib/ports';

/** A clock the test moves. */
export class TestClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current.getTime());
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): Date {
    this.current = new Date(this.current.getTime() + ms);
    return this.now();
  }
}

export class InMemoryNumberAllocator implements NumberAllocator {
  private readonly sequences = new Map<LocalDate, number>();
  private business = 0;
  /** How many person sequence numbers were handed out. */
  allocations = 0;

  nextPersonSequence(birthDate: LocalDate): Promise<number | undefined> {
    const next = this.sequences.get(birthDate) ?? 0;
    if (next > 999) return Promise.resolve(undefined);
    this.sequences.set(birthDate, next + 1);
    this.allocations += 1;
    return Promise.resolve(next);
  }

  nextBusinessNumber(): Promise<number | undefined> {
    this.business += 1;
    return Promise.resolve(this.business > 999_999 ? undefined : this.business);
  }
}

export class InMemoryCorrectionsReadModel implements CorrectionsReadModel {
  readonly rows = new Map<string, CorrectionSummary>();
  readonly recipients = new Map<string, readonly CorrectionRecipient[]>();

  forgetRecord(register: RegisterName, recordId: string): Promise<void> {
    for (const [id, row] of this.rows) {
      if (row.register === register && row.recordId === recordId) {
        this.rows.delete(id);
        this.recipients.delete(id);
      }
    }
    return Promise.resolve();
  }

  recordRequested(summary: CorrectionSummary): Promise<void> {
    if (!this.rows.has(summary.correctionId)) this.rows.set(summary.correctionId, summary);
    return Promise.resolve();
  }

  recordDecision(decision: CorrectionDecision): Promise<void> {
    const row = this.rows.get(decision.correctionId);
    if (row && row.version < decision.version) {
      this.rows.set(decision.correctionId, {
        ...row,
        status: decision.status,
        decidedAt: decision.decidedAt,
        decidedBy: decision.decidedBy,
        reason: decision.reason,
        version: decision.version,
      });
    }
    return Promise.resolve();
  }

  recordApplied(correctionId: string): Promise<void> {
    const row = this.rows.get(correctionId);
    if (row) this.rows.set(correctionId, { ...row, appliedToRecord: true });
    return Promise.resolve();
  }

  recordCommunicated(communication: CorrectionCommunicationRecord): Promise<void> {
    const row = this.rows.get(communication.correctionId);
    if (row && row.version < communication.version) {
      this.rows.set(communication.correctionId, {
        ...row,
        communicatedAt: communication.communicatedAt,
        version: communication.version,
      });
      this.recipients.set(communication.correctionId, communication.recipients);
    }
    return Promise.resolve();
  }

  recipientsOf(correctionId: string): Promise<readonly CorrectionRecipient[] | undefined> {
    return Promise.resolve(this.recipients.get(correctionId));
  }

  pendingAcceptances(decidedBefore: Date, limit: number): Promise<string[]> {
    return this.pending(decidedBefore, limit, (row) => !row.appliedToRecord);
  }

  pendingCommunications(decidedBefore: Date, limit: number): Promise<string[]> {
    return this.pending(
      decidedBefore,
      limit,
      (row) => row.register === 'persons' && row.communicatedAt === null,
    );
  }

  private pending(
    decidedBefore: Date,
    limit: number,
    match: (row: CorrectionSummary) => boolean,
  ): Promise<string[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter(
          (row) =>
            row.status === 'ACCEPTED' &&
            match(row) &&
            row.decidedAt !== null &&
            row.decidedAt.getTime() <= decidedBefore.getTime(),
        )
        .sort(
          (a, b) =>
            (a.decidedAt?.getTime() ?? 0) - (b.decidedAt?.getTime() ?? 0) ||
            a.correctionId.localeCompare(b.correctionId),
        )
        .slice(0, limit)
        .map((row) => row.correctionId),
    );
  }

  listByRequester(requester: string, filter: CorrectionFilter = {}): Promise<CorrectionSummary[]> {
    return Promise.resolve(this.list((row) => row.requester === requester, filter.status));
  }

  listByRegisters(
    registers: readonly RegisterName[],
    filter: CorrectionFilter = {},
  ): Promise<CorrectionSummary[]> {
    return Promise.resolve(this.list((row) => registers.includes(row.register), filter.status));
  }

  private list(
    match: (row: CorrectionSummary) => boolean,
    status: CorrectionStatus | undefined,
  ): CorrectionSummary[] {
    return [...this.rows.values()]
      .filter((row) => match(row) && (status === undefined || row.status === status))
      .sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime());
  }
}

export class InMemoryRegistrarDirectory implements RegistrarDirectory {
  constructor(private readonly entries: Readonly<Record<string, string>> = {}) {}

  nationalIdOf(registrarId: string): Promise<string | undefined> {
    return Promise.resolve(this.entries[registrarId]);
  }
}

export class InMemoryCheckpoints implements ProjectionCheckpoints {
  private readonly positions = new Map<string, bigint>();

  load(name: string): Promise<bigint> {
    return Promise.resolve(this.positions.get(name) ?? 0n);
  }

  save(name: string, position: bigint): Promise<void> {
    const current = this.positions.get(name) ?? 0n;
    this.positions.set(name, position > current ? position : current);
    return Promise.resolve();
  }
}

/**
 * Bulk registration on the in-memory store: numbers first (nothing is written when a birth
 * date is exhausted), then one append per record. Not atomic against a failing append, which
 * the in-memory store does not have.
 */
export class InMemoryBulkRegistrar implements BulkRegistrar {
  constructor(
    private readonly store: EventStore,
    private readonly numbers: InMemoryNumberAllocator,
  ) {}

  async registerAll(
    records: readonly NewPersonRecord[],
    metadata: AppendMetadata,
    keysFor: (nationalIds: readonly string[]) => Promise<SubjectKeys>,
  ): Promise<BulkRegistration> {
    const nationalIds: string[] = [];
    for (const record of records) {
      const sequence = await this.numbers.nextPersonSequence(record.birthDate);
      if (sequence === undefined) {
        return { registered: false, exhaustedBirthDate: record.birthDate };
      }
      nationalIds.push(composeNationalId(record.birthDate, sequence));
    }
    const keys = await keysFor(nationalIds);
    for (const [i, record] of records.entries()) {
      const nationalId = nationalIds[i] ?? '';
      await this.store.append(nationalId, 0, record.events(nationalId, keys), metadata);
    }
    return { registered: true, nationalIds };
  }
}

/** The business managers read model in a map: business number → version and managers. */
export class InMemoryBusinessManagersReadModel implements BusinessManagersReadModel {
  private readonly businesses = new Map<
    string,
    { version: number; managers: readonly { nationalId: string; role: ManagerRole }[] }
  >();

  replaceManagers(
    businessNumber: string,
    managers: readonly { readonly nationalId: string; readonly role: ManagerRole }[],
    version: number,
  ): Promise<void> {
    const held = this.businesses.get(businessNumber);
    if (held === undefined || held.version < version) {
      this.businesses.set(businessNumber, { version, managers: [...managers] });
    }
    return Promise.resolve();
  }

  managedBy(nationalId: string): Promise<BusinessManagement[]> {
    const found: BusinessManagement[] = [];
    for (const [businessNumber, { managers }] of this.businesses) {
      for (const manager of managers) {
        if (manager.nationalId === nationalId) found.push({ businessNumber, ...manager });
      }
    }
    return Promise.resolve(
      found.sort((a, b) => compareBusinessNumbers(a.businessNumber, b.businessNumber)),
    );
  }
}

/** B2 before B10: by the number's digits. */
function compareBusinessNumbers(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1));
}
