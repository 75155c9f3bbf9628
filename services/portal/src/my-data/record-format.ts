// The registry's answers as the portal reads them (its public contract, GET /openapi.json),
// and how their values are written for a person: readable field names, coded values in words,
// dates in the person's language. Pure functions, shared by My data, Corrections and My
// businesses.
import { html, join } from '../html/html';
import type { Html } from '../html/html';
import type { Language } from '../i18n/i18n';
import type { PageContext } from '../http/page-context';
import { RECORD } from './record.messages';

/** A postal address. */
export interface Address {
  readonly street: string;
  readonly houseNumber: string;
  readonly postcode: string;
  readonly locality: string;
  readonly country: string;
}

/** `GET /persons/{nationalId}` for the person themself. */
export interface PersonRecord {
  readonly nationalId: string;
  readonly status: 'registered' | 'deceased';
  readonly version: number;
  readonly givenNames: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly placeOfBirth: { readonly locality: string; readonly country: string } | null;
  readonly sex: string;
  readonly nationalities: readonly string[];
  readonly address: Address;
  readonly civilStatus: string;
  readonly civilStatusSince: string | null;
  readonly dateOfDeath: string | null;
}

/** One change of a record (`GET …/history`). */
export interface HistoryEntry {
  readonly version: number;
  readonly eventType: string;
  readonly recordedAt: string;
  readonly occurredAt: string;
  readonly actor: {
    readonly kind: string;
    readonly id: string;
    readonly organisationId?: string;
  } | null;
  readonly changedFields: readonly string[];
  readonly changes: Readonly<Record<string, unknown>>;
  readonly correctionId: string | null;
}

/** `GET …/history`. */
export interface RecordHistory {
  readonly recordId: string;
  readonly version: number;
  readonly entries: readonly HistoryEntry[];
}

type RecordKey = Parameters<ReturnType<typeof RECORD.in>>[0];

const FIELD_KEYS: Readonly<Record<string, RecordKey>> = {
  nationalId: 'nationalId',
  givenNames: 'givenNames',
  familyName: 'familyName',
  birthDate: 'birthDate',
  placeOfBirth: 'placeOfBirth',
  sex: 'sex',
  nationalities: 'nationalities',
  address: 'address',
  civilStatus: 'civilStatus',
  civilStatusSince: 'civilStatusSince',
  dateOfDeath: 'dateOfDeath',
  businessNumber: 'businessNumber',
  name: 'name',
  legalForm: 'legalForm',
  registeredAddress: 'registeredAddress',
  managers: 'managers',
  strikeOff: 'strikeOff',
};

/** A record's field name in the person's language (the API's name if the portal does not know it). */
export function fieldLabel(language: Language, field: string): string {
  const key = FIELD_KEYS[field];
  return key === undefined ? field : RECORD.in(language)(key);
}

const CODED: Readonly<Record<string, Readonly<Record<string, RecordKey>>>> = {
  sex: { F: 'sexF', M: 'sexM', X: 'sexX' },
  civilStatus: {
    single: 'civilStatusSingle',
    married: 'civilStatusMarried',
    partnered: 'civilStatusPartnered',
    separated: 'civilStatusSeparated',
    divorced: 'civilStatusDivorced',
    widowed: 'civilStatusWidowed',
  },
  status: {
    registered: 'statusRegistered',
    deceased: 'statusDeceased',
    active: 'statusActive',
    'struck-off': 'statusStruckOff',
  },
  role: {
    manager: 'roleManager',
    director: 'roleDirector',
    'managing-director': 'roleManagingDirector',
    'daily-manager': 'roleDailyManager',
  },
};

/** A coded value (`sex`, `civilStatus`, `status`, `role`) in words; the code if unknown. */
export function codedValue(language: Language, kind: string, code: string): string {
  const key = CODED[kind]?.[code];
  return key === undefined ? code : RECORD.in(language)(key);
}

/** A country in the person's language (`LU` → Luxembourg), with its code if unknown. */
export function countryName(language: Language, code: string): string {
  try {
    return new Intl.DisplayNames([language], { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/** An address on one line. */
export function addressText(language: Language, address: Address): string {
  return `${address.street} ${address.houseNumber}, ${address.postcode} ${address.locality}, ${countryName(language, address.country)}`;
}

const DATE_FIELDS = new Set(['birthDate', 'civilStatusSince', 'dateOfDeath']);

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/**
 * A field's value as a person reads it: dates written out, codes in words, addresses on one
 * line, lists joined. A value of a shape the portal does not know is shown as JSON rather
 * than hidden (still escaped: it is interpolated into a template).
 */
export function fieldValue(page: PageContext, field: string, value: unknown): Html {
  const { language, formats } = page;
  const t = RECORD.in(language);
  if (value === null || value === undefined || value === '') return html`${t('unknown')}`;
  if (DATE_FIELDS.has(field) && typeof value === 'string') return html`${formats.date(value)}`;
  if (field === 'sex' || field === 'civilStatus' || field === 'status') {
    return html`${codedValue(language, field, text(value))}`;
  }
  if (field === 'nationalities' && Array.isArray(value)) {
    return html`${value.map((code) => countryName(language, text(code))).join(', ')}`;
  }
  if ((field === 'address' || field === 'registeredAddress') && isRecord(value)) {
    return html`${addressText(language, value as unknown as Address)}`;
  }
  if (field === 'placeOfBirth' && isRecord(value)) {
    return html`${text(value['locality'])}, ${countryName(language, text(value['country']))}`;
  }
  if (field === 'managers' && Array.isArray(value)) {
    return join(
      value.map((manager) =>
        isRecord(manager)
          ? html`${text(manager['nationalId'])} (${codedValue(language, 'role', text(manager['role']))})`
          : html`${JSON.stringify(manager)}`,
      ),
      '; ',
    );
  }
  if (field === 'strikeOff' && isRecord(value)) {
    return html`${t('struckOffOn', {
      date: formats.date(text(value['effectiveDate'])),
      ground: text(value['ground']),
    })}`;
  }
  if (typeof value === 'string' || typeof value === 'number') return html`${String(value)}`;
  return html`${JSON.stringify(value)}`;
}

/** A history entry's kind of change (`gov.registry.v1.PersonAddressChanged`) in words. */
export function changeKind(language: Language, eventType: string): string {
  const name = eventType.split('.').at(-1) ?? eventType;
  const key = `event${name}`;
  const t = RECORD.in(language);
  return (RECORD.keys as readonly string[]).includes(key) ? t(key as RecordKey) : name;
}

/** Who made a change, as the history shows it to the person. */
export function actorText(language: Language, actor: HistoryEntry['actor']): string {
  const t = RECORD.in(language);
  if (actor === null) return t('unknown');
  switch (actor.kind) {
    case 'registrar':
      return t('actorRegistrar', { id: actor.id, organisation: actor.organisationId ?? '—' });
    case 'citizen':
      return t('actorCitizen');
    case 'service':
      return t('actorService');
    default:
      return t('actorOther', { kind: actor.kind, id: actor.id });
  }
}

/** The offset of Luxembourg's time from UTC at `instant`, as `+01:00` or `+02:00`. */
function luxembourgOffset(instant: Date): string {
  const name =
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Luxembourg', timeZoneName: 'longOffset' })
      .formatToParts(instant)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = name.replace('GMT', '');
  return offset === '' ? '+00:00' : offset;
}

function offsetMinutes(offset: string): number {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (match === null) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/**
 * The instant the registry is asked about for "as of `date`" (and `time`, a time of day on
 * the Luxembourg clock written `HH:MM` or `HH:MM:SS`): the end of that day, or of that minute
 * or second, in Luxembourg time, with the offset Luxembourg had then. `undefined` when `date`
 * is not a real calendar date written `YYYY-MM-DD` or `time` is not a time of day.
 */
export function luxembourgInstant(date: string, time = ''): string | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (day === null) return undefined;
  const [year, month, dayOfMonth] = [Number(day[1]), Number(day[2]), Number(day[3])];
  const noon = new Date(Date.UTC(year, month - 1, dayOfMonth, 12));
  if (
    year < 1 ||
    noon.getUTCFullYear() !== year ||
    noon.getUTCMonth() !== month - 1 ||
    noon.getUTCDate() !== dayOfMonth
  ) {
    return undefined;
  }
  let clock = '23:59:59.999';
  if (time !== '') {
    const parts = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(time);
    if (parts === null) return undefined;
    clock =
      parts[3] === undefined
        ? `${parts[1]}:${parts[2]}:59.999`
        : `${parts[1]}:${parts[2]}:${parts[3]}.999`;
  }
  // The offset of the local time asked for: first guessed from the day's noon, then checked at
  // the instant that guess gives (they differ only within an hour of a change of clocks).
  const guess = luxembourgOffset(noon);
  const local = Date.parse(`${date}T${clock}Z`);
  const offset = luxembourgOffset(new Date(local - offsetMinutes(guess) * 60_000));
  return `${date}T${clock}${offset}`;
}

/** A person's record as a definition list. */
export function personRecordList(page: PageContext, record: PersonRecord): Html {
  const t = RECORD.in(page.language);
  const row = (label: string, value: Html | string) =>
    html`<dt>${label}</dt>
      <dd>${value}</dd>`;
  return html`<dl class="record">
    ${row(t('nationalId'), record.nationalId)}
    ${row(t('givenNames'), record.givenNames)} ${row(t('familyName'), record.familyName)}
    ${row(t('birthDate'), fieldValue(page, 'birthDate', record.birthDate))}
    ${row(t('placeOfBirth'), fieldValue(page, 'placeOfBirth', record.placeOfBirth))}
    ${row(t('sex'), fieldValue(page, 'sex', record.sex))}
    ${row(t('nationalities'), fieldValue(page, 'nationalities', record.nationalities))}
    ${row(t('address'), fieldValue(page, 'address', record.address))}
    ${row(
      t('civilStatus'),
      html`${fieldValue(page, 'civilStatus', record.civilStatus)}${
        record.civilStatusSince === null
          ? ''
          : html` (${t('since', { date: page.formats.date(record.civilStatusSince) })})`
      }`,
    )}
    ${record.dateOfDeath === null ? '' : row(t('dateOfDeath'), fieldValue(page, 'dateOfDeath', record.dateOfDeath))}
    ${row(t('status'), fieldValue(page, 'status', record.status))}
    ${row(t('version'), String(record.version))}
  </dl>`;
}
