// Luxembourg's three administrative languages. Each part of the portal keeps its own messages
// next to its pages, in one `messages(en, { fr, de })` call: a key missing from French or German
// (or one that English does not have) is a compile error, not a blank on a page.

/** The portal's languages, in the order the language switch shows them. */
export const LANGUAGES = ['fr', 'de', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's name in that language, for the switch. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  fr: 'Français',
  de: 'Deutsch',
  en: 'English',
};

/** The locale dates and numbers are written in, per language. */
export const LOCALES: Record<Language, string> = { fr: 'fr-LU', de: 'de-LU', en: 'en-GB' };

/** The time zone instants are shown in. */
export const TIME_ZONE = 'Europe/Luxembourg';

/** Values for a message's `{name}` placeholders. */
export type MessageParams = Readonly<Record<string, string | number>>;

/** One language's messages of one part of the portal. */
export type Translate<K extends string> = (key: K, params?: MessageParams) => string;

/** A part of the portal's messages in the three languages. */
export interface Messages<K extends string> {
  readonly keys: readonly K[];
  /** The messages in `language`; placeholders `{name}` filled from `params`. */
  in(language: Language): Translate<K>;
}

/**
 * Declares messages: English first (the keys), then French and German with exactly the same
 * keys. Placeholders are `{name}`; a placeholder without a value stays visible (`{name}`), so a
 * missing parameter shows in tests rather than vanishing.
 */
export function messages<const E extends Record<string, string>>(
  en: E,
  translations: { readonly fr: Record<keyof E, string>; readonly de: Record<keyof E, string> },
): Messages<Extract<keyof E, string>> {
  type K = Extract<keyof E, string>;
  const tables: Record<Language, Record<string, string>> = {
    en,
    fr: translations.fr,
    de: translations.de,
  };
  return {
    keys: Object.keys(en) as K[],
    in(language: Language): Translate<K> {
      const table = tables[language];
      return (key, params) => fill(table[key] ?? en[key] ?? key, params);
    },
  };
}

function fill(template: string, params: MessageParams | undefined): string {
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** `value` if it names a language, else `undefined`. */
export function languageOf(value: unknown): Language | undefined {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
    ? (value as Language)
    : undefined;
}

/**
 * The person's language when they have not chosen one: the first of the browser's
 * `Accept-Language` ranges (by quality) that the portal speaks, else French.
 */
export function negotiateLanguage(acceptLanguage: string | undefined): Language {
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...options] = part.trim().split(';');
      const q = options.map((o) => /^\s*q=([\d.]+)\s*$/.exec(o)?.[1]).find((v) => v !== undefined);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag.length > 0 && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    const language = languageOf(range.tag.split('-')[0]);
    if (language) return language;
  }
  return 'fr';
}

/** Date and time formatting in the person's language, in Luxembourg's time zone. */
export interface Formats {
  /** A calendar date (`YYYY-MM-DD` from a service), written out. */
  date(isoDate: string): string;
  /** An instant, with date and time. */
  dateTime(iso: string): string;
  number(value: number): string;
}

export function formatsFor(language: Language): Formats {
  const locale = LOCALES[language];
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: TIME_ZONE,
  });
  const numberFormat = new Intl.NumberFormat(locale);
  return {
    date: (isoDate) => {
      const parsed = new Date(`${isoDate.slice(0, 10)}T00:00:00Z`);
      return Number.isNaN(parsed.getTime()) ? isoDate : dateFormat.format(parsed);
    },
    dateTime: (iso) => {
      const parsed = new Date(iso);
      return Number.isNaN(parsed.getTime()) ? iso : dateTimeFormat.format(parsed);
    },
    number: (value) => numberFormat.format(value),
  };
}
