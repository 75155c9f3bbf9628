// A register of natural persons that lived long, as rows of the event store: what the growth
// benchmark loads with COPY before it measures appends. Deterministic for a given size, so the
// benchmark knows every stream's version without reading the store.
import { randomUUID } from 'node:crypto';

import { create } from '@bufbuild/protobuf';

import {
  AddressSchema,
  CivilStatus,
  PersonAddressChangedSchema,
  PersonAddressChanged_PersonalDataSchema,
  PersonRegisteredSchema,
  PersonRegistered_PersonalDataSchema,
  PlaceOfBirthSchema,
  SexMarker,
} from '@gov/contracts';
import { computeContentHash, newEventId, protoPayload } from '@gov/platform-event-sourcing';
import type { NewEvent } from '@gov/platform-event-sourcing';

/** Birth dates run from here over {@link BIRTH_DATES} days (1920-01-01 to 2025-12-31). */
const FIRST_BIRTH_DATE = Date.UTC(1920, 0, 1);
export const BIRTH_DATES = 38_716;
const DAY_MS = 86_400_000;
/** The register's history is spread over the ten years before now, in log order. */
const HISTORY_MS = 10 * 365 * DAY_MS;
/** Registrations per birth date and national number: three digits. */
const MAX_SEQUENCE = 999;

const GIVEN = ['Anna', 'Marie', 'Luc', 'Paul', 'Sofia', 'Jean', 'Lena', 'Tom', 'Nora', 'Yusuf'];
const FAMILY = ['Schmit', 'Weber', 'Muller', 'Wagner', 'Hoffmann', 'Thill', 'Kremer', 'Da Silva'];
const STREETS = ['Boulevard Royal', 'Grand-Rue', "Rue de l'Alzette", 'Avenue de la Gare'];
const LOCALITIES = [
  ['L-2449', 'Luxembourg'],
  ['L-4011', 'Esch-sur-Alzette'],
  ['L-9010', 'Ettelbruck'],
  ['L-3401', 'Dudelange'],
] as const;

/** The metadata every loaded event shares (a registrar of the register's office). */
export const LOADED_ACTOR = { kind: 'registrar', id: 'clerk-1', organisationId: 'rnpp' } as const;
export const PRODUCER = 'registry';

/** One event of the synthetic log, in log order. */
export interface HistoryRow {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly event: NewEvent;
  readonly recordedAt: Date;
  readonly correlationId: string;
  readonly contentHash: Uint8Array;
  readonly previousHash: Uint8Array | null;
  /** Its dense position in the log, from 1. */
  readonly globalPosition: number;
}

/**
 * How many events person number `i` has after its registration: most have none, one in ten
 * moved twice, one in a hundred ten times, one in a thousand fifty times (the long streams a
 * real register has: people who moved often, records corrected many times); 1.32 events per
 * person on average.
 */
export function extraEvents(i: number): number {
  if (i % 1000 === 0) return 50;
  if (i % 100 === 0) return 10;
  if (i % 10 === 0) return 2;
  return 0;
}

/**
 * A national identification number as the register composes it: the birth date (YYYYMMDD), a
 * three-digit sequence number of that date, a Luhn and a Verhoeff check digit over those 11
 * digits. The same rule as `composeNationalId` of `@gov/registry-domain`, which the tools may
 * not import (module boundaries); the unit test checks it against a number that function made.
 */
export function nationalId(birthDate: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > MAX_SEQUENCE) {
    throw new RangeError(`sequence must be an integer 0-999, got ${sequence}`);
  }
  const digits = `${birthDate.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
  return `${digits}${luhn(digits)}${verhoeff(digits)}`;
}

/** The birth date (`YYYY-MM-DD`) of day number `day` of the register's range. */
export function birthDateOf(day: number): string {
  return new Date(FIRST_BIRTH_DATE + day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * A register whose log holds exactly `events` events: persons registered in birth-date order,
 * `perDate` of them per date (as many as it takes to spread them over every date), each
 * person's later events right after its registration. The order keeps the stream index
 * append-mostly while loading (the load is not what is measured); the appends measured later
 * go to random dates and random persons.
 */
export class SyntheticRegister {
  /** Persons in the log (the last one may lack some of its later events). */
  readonly persons: number;
  /** Persons registered per birth date. */
  readonly perDate: number;
  private readonly lastVersion: number;

  constructor(readonly events: number) {
    if (!Number.isSafeInteger(events) || events < 0) {
      throw new RangeError(`events must be a non-negative integer, got ${events}`);
    }
    // Count exactly (the persons, then how many per date), so that every birth date lies in
    // the register's range.
    let emitted = 0;
    let person = 0;
    while (emitted < events) {
      emitted += 1 + extraEvents(person);
      person += 1;
    }
    this.persons = person;
    this.perDate = Math.ceil(person / BIRTH_DATES);
    if (this.perDate > MAX_SEQUENCE) throw new RangeError(`${events} events: too many per date`);
    this.lastVersion = person === 0 ? 0 : 1 + extraEvents(person - 1) - (emitted - events);
  }

  /** The birth date number (from 0, within {@link BIRTH_DATES}) of person `i`. */
  dayOf(i: number): number {
    return Math.floor(i / this.perDate);
  }

  /** The stream id (national id) of person `i`. */
  streamId(i: number): string {
    return nationalId(birthDateOf(this.dayOf(i)), i % this.perDate);
  }

  /** The version of person `i`'s stream in the loaded log. */
  versionOf(i: number): number {
    if (i < 0 || i >= this.persons) throw new RangeError(`no person ${i}`);
    return i === this.persons - 1 ? this.lastVersion : 1 + extraEvents(i);
  }

  /**
   * The `n`-th unused sequence number of birth date `day` (a person registered after the load):
   * the loaded persons of a date use 0 to `perDate - 1`.
   */
  newStreamId(day: number, n: number): string {
    return nationalId(birthDateOf(day), this.perDate + n);
  }

  /** Unused sequence numbers per date, for {@link newStreamId}. */
  get freePerDate(): number {
    return MAX_SEQUENCE + 1 - this.perDate;
  }

  /** Every event of the log, in position order, with its hash chain. */
  *rows(now: number = Date.now()): Generator<HistoryRow> {
    const start = now - HISTORY_MS;
    const step = this.events === 0 ? 0 : HISTORY_MS / this.events;
    let position = 0;
    for (let i = 0; i < this.persons && position < this.events; i += 1) {
      const streamId = this.streamId(i);
      const correlationId = randomUUID();
      let previousHash: Uint8Array | null = null;
      const versions = this.versionOf(i);
      for (let version = 1; version <= versions; version += 1) {
        const at = Math.floor(start + position * step);
        const recordedAt = new Date(at);
        const event =
          version === 1
            ? registration(i, streamId, this.dayOf(i), recordedAt)
            : addressChange(i + version, streamId, recordedAt);
        const contentHash = computeContentHash(streamId, version, event.eventType, event.payload);
        position += 1;
        yield {
          eventId: newEventId(at),
          streamId,
          streamVersion: version,
          event,
          recordedAt,
          correlationId,
          contentHash,
          previousHash,
          globalPosition: position,
        };
        previousHash = contentHash;
      }
    }
  }
}

/** The `PersonRegistered` payload of person `i`, born on day `day`. */
export function registration(i: number, streamId: string, day: number, at: Date): NewEvent {
  return protoPayload(
    PersonRegisteredSchema,
    create(PersonRegisteredSchema, {
      nationalId: streamId,
      personalData: create(PersonRegistered_PersonalDataSchema, {
        givenNames: `${pick(GIVEN, i)} ${pick(GIVEN, i >> 3)}`,
        familyName: pick(FAMILY, i >> 1),
        birthDate: birthDateOf(day),
        placeOfBirth: create(PlaceOfBirthSchema, { locality: 'Luxembourg', country: 'LU' }),
        sex: pick([SexMarker.F, SexMarker.M, SexMarker.X], i),
        nationalities: i % 5 === 0 ? ['LU', 'PT'] : ['LU'],
        address: address(i),
        civilStatus: pick([CivilStatus.SINGLE, CivilStatus.MARRIED, CivilStatus.DIVORCED], i >> 5),
      }),
    }),
    at,
    1,
  );
}

/** A `PersonAddressChanged` payload (variant `i` of the addresses). */
export function addressChange(i: number, streamId: string, at: Date): NewEvent {
  return protoPayload(
    PersonAddressChangedSchema,
    create(PersonAddressChangedSchema, {
      nationalId: streamId,
      personalData: create(PersonAddressChanged_PersonalDataSchema, { address: address(i) }),
    }),
    at,
    1,
  );
}

function address(i: number) {
  const [postcode, locality] = pick(LOCALITIES, i >> 2);
  return create(AddressSchema, {
    street: pick(STREETS, i >> 4),
    houseNumber: String(1 + (i % 180)),
    postcode,
    locality,
    country: 'LU',
  });
}

function pick<T>(values: readonly T[], index: number): T {
  const value = values[index % values.length];
  if (value === undefined) throw new RangeError('empty list');
  return value;
}

function luhn(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

// Verhoeff's dihedral group D5: multiplication, permutation and inverse tables.
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

function verhoeff(digits: string): number {
  let c = 0;
  for (let i = 0; i < digits.length; i += 1) {
    const digit = Number(digits[digits.length - 1 - i]);
    c = D[c]?.[P[(i + 1) % 8]?.[digit] ?? -1] ?? Number.NaN;
  }
  const check = INV[c];
  if (check === undefined) throw new RangeError(`not a string of digits: ${digits}`);
  return check;
}
