import { DomainRejection } from '@gov/platform-decider';
import type { FieldIssue } from '@gov/platform-decider';

import { isCountryCode } from './country-codes';
import type { RegistryRejectionCode } from './rejection';

/** A calendar date without time zone, `YYYY-MM-DD` (ISO 8601), as registers record dates. */
export type LocalDate = string;

/** The register's time zone: "today" and "in the future" are judged on its calendar. */
export const REGISTER_TIME_ZONE = 'Europe/Luxembourg';

const todayFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: REGISTER_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * The calendar date of `now` in Luxembourg. A birth declared at 00:30 on 2 January in
 * Luxembourg is not "in the future" although it is still 1 January in UTC.
 */
export function registerToday(now: Date): LocalDate {
  const parts = todayFormat.formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Whether `value` is a real calendar date written `YYYY-MM-DD`, in the years 1000 to 9999. */
export function isLocalDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1000 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

// Letters, combining marks, digits, punctuation, symbols and spaces; no control, format or
// private-use characters, which have no place in a register and hide differences between values.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]*$/u;

/**
 * Collects field issues while a decision checks and normalises its input, so one rejection
 * names every offending field at once rather than the first one found. Local to one `decide`
 * call; nothing escapes it except the normalised values and, at the end, the rejection.
 */
export class Check {
  private readonly found: FieldIssue[] = [];

  /**
   * Records an issue at `path`: `code` for machines (kebab-case, stable), `message` for people,
   * worded to follow the path (`address.postcode must be 4 digits…`).
   */
  add(path: string, code: string, message: string): void {
    this.found.push({ field: path, code, message });
  }

  /** The issues found so far. */
  get issues(): readonly FieldIssue[] {
    return this.found;
  }

  /** Whether no issue was found at `path` or below it (`path.x`, `path[0]`). */
  isValid(path: string): boolean {
    return !this.found.some(
      (v) => v.field === path || v.field.startsWith(`${path}.`) || v.field.startsWith(`${path}[`),
    );
  }

  /** Throws an `INVALID_INPUT` rejection with every issue found, if any. */
  rejectIfAny(what: string): void {
    if (this.found.length > 0) {
      throw new DomainRejection<RegistryRejectionCode>(
        'INVALID_INPUT',
        `${what}: ${this.found.map((v) => `${v.field} ${v.message}`).join('; ')}`,
        [...this.found],
      );
    }
  }

  /**
   * Free text such as a name: NFC-normalised, trimmed, inner whitespace runs collapsed to one
   * space; then 1 to `max` characters, printable, and (when `letters`) with at least one letter.
   */
  text(path: string, raw: string, max: number, options: { letters?: boolean } = {}): string {
    const value = raw.normalize('NFC').trim().replace(/\s+/gu, ' ');
    if (value.length === 0) this.add(path, 'empty', 'must not be empty');
    else if (Array.from(value).length > max)
      this.add(path, 'too-long', `must be at most ${max} characters`);
    else if (!PRINTABLE.test(value))
      this.add(path, 'control-characters', 'must not contain control characters');
    else if (options.letters === true && !/\p{L}/u.test(value))
      this.add(path, 'no-letter', 'must contain a letter');
    return value;
  }

  /** A `YYYY-MM-DD` calendar date that is not after today in Luxembourg. */
  pastDate(path: string, raw: string, now: Date): LocalDate {
    if (!isLocalDate(raw)) this.add(path, 'not-a-date', 'must be a valid date written YYYY-MM-DD');
    else if (raw > registerToday(now)) this.add(path, 'in-the-future', 'must not be in the future');
    return raw;
  }

  /** An officially assigned ISO 3166-1 alpha-2 country code; upper-cased. */
  country(path: string, raw: string): string {
    const value = raw.trim().toUpperCase();
    if (!isCountryCode(value))
      this.add(path, 'not-a-country', 'must be an ISO 3166-1 alpha-2 country code');
    return value;
  }

  /** A value of a closed set of literals. */
  oneOf<T extends string>(path: string, raw: T, allowed: readonly T[]): T {
    if (!allowed.includes(raw))
      this.add(path, 'not-allowed', `must be one of ${allowed.join(', ')}`);
    return raw;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Checks a UUID in canonical lower-case form (ids the application assigns, e.g. corrections). */
export function checkUuid(check: Check, path: string, raw: string): string {
  if (!UUID.test(raw)) check.add(path, 'not-a-uuid', 'must be a UUID in lower-case canonical form');
  return raw;
}
