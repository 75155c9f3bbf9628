// The procedures service's answers as the portal reads them (its README and `GET
// /openapi.json` are the contract), and the small mappings every page of procedures and cases
// shares: which language a catalogue text is shown in, and how a field or a source is named.
import type { Language } from '../i18n/i18n';
import { FIELD_LABELS, PROCEDURES } from './procedures.messages';

/** A text the catalogue gives in French and English (no German). */
export interface CatalogueText {
  readonly fr: string;
  readonly en: string;
}

/** The sources a procedure's fields may be prefilled from. */
export type PrefillSource = 'persons' | 'businesses' | 'vehicles' | 'personal-space';

/** Every source, in the order the preview and the Yes/No answers go through them. */
export const PREFILL_SOURCES: readonly PrefillSource[] = [
  'persons',
  'businesses',
  'vehicles',
  'personal-space',
];

/** `GET /procedures` items and `GET /procedures/{id}/versions/{v}`. */
export interface CatalogueEntry {
  readonly id: string;
  readonly version: number;
  readonly title: CatalogueText;
  readonly organisationId: string;
  readonly purpose: string;
  readonly business: boolean;
  /** A procedure about a vehicle the person owns: starting it names its registration number. */
  readonly vehicle: boolean;
  readonly form: Readonly<Record<string, unknown>>;
  readonly prefill: Readonly<Record<string, string | null>>;
  readonly versions: readonly number[];
  readonly sources: readonly {
    readonly source: PrefillSource;
    readonly fields: readonly { readonly field: string; readonly category: string }[];
  }[];
}

/** `POST /drafts/{id}/prefill-preview`. */
export interface PreviewAnswer {
  readonly caseId: string;
  readonly previewId: string;
  readonly expiresAt: string;
  readonly sources: readonly {
    readonly source: PrefillSource;
    readonly fields: readonly { readonly field: string; readonly category: string }[];
    readonly default: boolean;
    readonly rule: string;
  }[];
}

/** A case in a list (`GET /dashboard`). */
export interface CaseSummary {
  readonly caseId: string;
  readonly procedureId: string;
  readonly procedureVersion: number;
  readonly title: CatalogueText | null;
  readonly organisationId: string;
  readonly businessNumber: string | null;
  readonly status: string;
  readonly outcome: string | null;
  readonly openQuestion: string | null;
  readonly openConsentRequests: number;
  readonly letterId: string | null;
  readonly startedAt: string;
  readonly submittedAt: string | null;
  readonly decidedAt: string | null;
  readonly updatedAt: string;
  readonly version: number;
}

/** `GET /drafts/{id}` and `GET /submissions/{id}`. */
export interface CaseView extends CaseSummary {
  readonly prefilled: Readonly<
    Record<string, { readonly source: PrefillSource; readonly value: unknown }>
  >;
  readonly form: unknown;
  /** `reason` is `null` once the applicant's data was erased (it was sealed under their key). */
  readonly decision: { readonly outcome: string; readonly reason: string | null } | null;
}

/** `GET /dashboard`. */
export interface DashboardAnswer {
  readonly active: readonly CaseSummary[];
  readonly completed: readonly CaseSummary[];
}

/** A step of `GET /submissions/{id}/timeline`. */
export interface TimelineStep {
  readonly at: string;
  readonly step: string;
  readonly actor: { readonly kind: string; readonly id: string; readonly organisationId?: string };
  readonly details: Readonly<Record<string, unknown>>;
  readonly version: number;
}

/** `GET /submissions/{id}/timeline`. */
export interface TimelineAnswer {
  readonly caseId: string;
  readonly steps: readonly TimelineStep[];
}

/** A procedure id as the service accepts it in a path. */
export const PROCEDURE_ID = /^[a-z][a-z0-9-]{1,62}$/;
/** A case id (a UUID): anything else is no page of the portal. */
export const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A catalogue text in the person's language when the catalogue has it, else in French (the
 * catalogue has no German; French is Luxembourg's language of the administration), with the
 * language it is in, for the element's `lang`.
 */
export function catalogueText(
  text: CatalogueText | null | undefined,
  language: Language,
  fallback: string,
): { readonly text: string; readonly lang: 'fr' | 'en' } {
  if (text === null || text === undefined) return { text: fallback, lang: 'en' };
  if (language === 'en') return { text: text.en, lang: 'en' };
  return { text: text.fr, lang: 'fr' };
}

/** A source's name, as in "prefilled from the register of natural persons". */
export function sourceName(source: string, language: Language): string {
  const t = PROCEDURES.in(language);
  switch (source) {
    case 'persons':
      return t('sourcePersons');
    case 'businesses':
      return t('sourceBusinesses');
    case 'vehicles':
      return t('sourceVehicles');
    case 'personal-space':
      return t('sourcePersonalSpace');
    default:
      return source;
  }
}

/** A form field's label: the portal's own for the fields it knows, else its key spelt out. */
export function fieldLabel(key: string, language: Language): string {
  const known = (FIELD_LABELS.keys as readonly string[]).includes(key);
  if (known) return FIELD_LABELS.in(language)(key as (typeof FIELD_LABELS.keys)[number]);
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
