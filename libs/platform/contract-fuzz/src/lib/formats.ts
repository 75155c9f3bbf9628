import type Ajv from 'ajv';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A real calendar date written `YYYY-MM-DD` (RFC 3339 full-date: no 30 February). */
export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/** An RFC 3339 date-time: a real date, a time of day, an offset (`Z` or `±hh:mm`). */
export function isDateTime(value: string): boolean {
  const [date, time, ...rest] = value.split(/[Tt ]/);
  if (date === undefined || time === undefined || rest.length > 0 || !isDate(date)) return false;
  const match = TIME.exec(time);
  if (match === null) return false;
  const [hours, minutes, seconds] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const offsetHours = match[4] === undefined ? 0 : Number(match[4]);
  const offsetMinutes = match[5] === undefined ? 0 : Number(match[5]);
  // 60 seconds: a leap second, which RFC 3339 allows.
  return hours < 24 && minutes < 60 && seconds <= 60 && offsetHours < 24 && offsetMinutes < 60;
}

/**
 * The formats the services' documents use (`date`, `date-time`, `uuid`), checked as RFC 3339 and
 * RFC 4122 define them.
 */
export function addFormats(ajv: Ajv): void {
  ajv.addFormat('date', { type: 'string', validate: isDate });
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
  ajv.addFormat('uuid', { type: 'string', validate: (value: string) => UUID.test(value) });
}
