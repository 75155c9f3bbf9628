// The "who accessed my data" page: the audit service's answer as it came, shown and carried
// unchanged in `data-` attributes for the browser's verifier (src/assets/verify-proofs.js).
// Every value the page shows of an entry names the leaf member it comes from, so the verifier
// also checks that what the person reads is what was proved.
import { html } from '../html/html';
import type { Html } from '../html/html';
import type { Formats, Translate } from '../i18n/i18n';
import type { ACCESS_LOG } from './access-log.messages';

/** A signed tree head as the audit service answers it (only its JWS counts). */
export interface SignedTreeHead {
  readonly tree_size: number;
  readonly timestamp: number;
  readonly root_hash: string;
  readonly key_id: string;
  readonly jws: string;
}

/** An entry's canonical leaf (services/audit/README.md, "Canonical leaf"). */
export interface AccessLeaf {
  readonly [member: string]: unknown;
  readonly entryId: string;
  readonly organisationId: string;
  readonly actorId: string | null;
  readonly capacity: string;
  readonly fields: readonly string[];
  readonly accessedAt: string;
  readonly purpose: string;
  readonly legalBasis: string | null;
  readonly consentId: string | null;
  readonly procedureId: string | null;
  readonly sealedUntil: string | null;
}

/** `GET /access-log/me` of the audit service. */
export interface AccessLogAnswer {
  readonly subjectNationalId: string;
  readonly treeHead: SignedTreeHead | null;
  readonly entries: readonly {
    readonly leafIndex: number;
    readonly leaf: AccessLeaf;
    readonly inclusionProof?: unknown;
  }[];
  readonly nextCursor: string | null;
}

/** `GET /.well-known/jwks.json` of the audit service. */
export interface Jwks {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

type T = Translate<(typeof ACCESS_LOG)['keys'][number]>;

const CAPACITIES: Readonly<Record<string, Parameters<T>[0]>> = {
  'data-subject': 'capacityDataSubject',
  registrar: 'capacityRegistrar',
  'agency-official': 'capacityAgencyOfficial',
  'agency-system': 'capacityAgencySystem',
  prefill: 'capacityPrefill',
  'permitted-organisation': 'capacityPermittedOrganisation',
  'correction-recipient': 'capacityCorrectionRecipient',
  'feed-recipient': 'capacityFeedRecipient',
};

const PERSON_FIELDS: Readonly<Record<string, Parameters<T>[0]>> = {
  national_id: 'fieldNationalId',
  given_names: 'fieldGivenNames',
  family_name: 'fieldFamilyName',
  birth_date: 'fieldBirthDate',
  nationalities: 'fieldNationalities',
  address: 'fieldAddress',
  civil_status: 'fieldCivilStatus',
};

// Reads name a record's fields (`address`); feed deliveries and permits name data categories
// (`persons.address`): both get the same label.
const FIELDS: Readonly<Record<string, Parameters<T>[0]>> = {
  ...PERSON_FIELDS,
  ...Object.fromEntries(
    Object.entries(PERSON_FIELDS).map(([field, label]) => [`persons.${field}`, label]),
  ),
  'letterbox.document': 'fieldLetter',
};

/** The verdicts' texts, for the browser script (`data-msg-*`), in the page's language. */
const SCRIPT_MESSAGES = [
  ['verified', 'verified'],
  ['failed', 'failed'],
  ['all-verified', 'allVerified'],
  ['some-failed', 'someFailed'],
  ['one-verified', 'oneVerified'],
  ['one-failed', 'oneFailed'],
  ['reason-no-tree-head', 'reasonNoTreeHead'],
  ['reason-no-webcrypto', 'reasonNoWebcrypto'],
  ['reason-unknown-key', 'reasonUnknownKey'],
  ['reason-bad-signature', 'reasonBadSignature'],
  ['reason-head-mismatch', 'reasonHeadMismatch'],
  ['reason-malformed-leaf', 'reasonMalformedLeaf'],
  ['reason-wrong-subject', 'reasonWrongSubject'],
  ['reason-wrong-tree-size', 'reasonWrongTreeSize'],
  ['reason-not-in-tree', 'reasonNotInTree'],
  ['reason-shown-differs', 'reasonShownDiffers'],
] as const satisfies readonly (readonly [string, Parameters<T>[0]])[];

/** The value of a leaf member as the verifier compares it (`data-value`). */
function shown(leaf: AccessLeaf, member: string): Html {
  return html`data-member="${member}" data-value="${JSON.stringify(leaf[member] ?? null)}"`;
}

function entryView(
  t: T,
  formats: Formats,
  entry: AccessLogAnswer['entries'][number],
  position: number,
): Html {
  const { leaf } = entry;
  const id = `entry-${position}`;
  const capacity = CAPACITIES[leaf.capacity];
  return html`<li
    class="access-entry"
    data-entry
    data-leaf="${JSON.stringify(leaf)}"
    data-proof="${JSON.stringify(entry.inclusionProof ?? null)}"
  >
    <article aria-labelledby="${id}-title">
      <h2 id="${id}-title">
        <span ${shown(leaf, 'organisationId')}>${leaf.organisationId}</span>,
        <time datetime="${leaf.accessedAt}" ${shown(leaf, 'accessedAt')}
          >${formats.dateTime(leaf.accessedAt)}</time
        >
      </h2>
      <dl class="entry-facts">
        <dt>${t('purpose')}</dt>
        <dd ${shown(leaf, 'purpose')}>${leaf.purpose}</dd>
        ${
          leaf.legalBasis !== null || leaf.consentId === null
            ? html`<dt>${t('legalBasis')}</dt>
              <dd ${shown(leaf, 'legalBasis')}>${leaf.legalBasis ?? t('noBasis')}</dd>`
            : ''
        }
        ${
          leaf.consentId !== null
            ? html`<dt>${t('consent')}</dt>
              <dd ${shown(leaf, 'consentId')}>
                <a href="/consents/${encodeURIComponent(leaf.consentId)}"
                  >${t('consentLink', { id: leaf.consentId })}</a
                >
              </dd>`
            : ''
        }
        <dt>${t('procedure')}</dt>
        <dd ${shown(leaf, 'procedureId')}>${leaf.procedureId ?? t('noProcedure')}</dd>
        <dt>${t('fields')}</dt>
        <dd ${shown(leaf, 'fields')}>
          ${
            leaf.fields.length === 0
              ? t('noFields')
              : html`<ul class="entry-fields">
                ${leaf.fields.map((field) => {
                  const label = FIELDS[field];
                  return html`<li>${label === undefined ? field : t(label)}</li>`;
                })}
              </ul>`
          }
        </dd>
        <dt>${t('capacity')}</dt>
        <dd ${shown(leaf, 'capacity')}>${capacity === undefined ? leaf.capacity : t(capacity)}</dd>
        ${
          leaf.actorId !== null
            ? html`<dt>${t('actor')}</dt>
              <dd ${shown(leaf, 'actorId')}>${leaf.actorId}</dd>`
            : ''
        }
      </dl>
      ${
        leaf.sealedUntil !== null
          ? html`<p ${shown(leaf, 'sealedUntil')}>
            ${t('sealedUntil', { time: formats.dateTime(leaf.sealedUntil) })}
          </p>`
          : ''
      }
      <p class="verdict" role="status" aria-live="polite" data-verdict="">
        <span class="verdict-pending">${t('verifying')}</span>
        <noscript
          >${t('noScript')} <a href="#verify-offline">${t('noScriptLink')}</a>.</noscript
        >
      </p>
    </article>
  </li>`;
}

function trustView(t: T, formats: Formats, head: SignedTreeHead | null): Html {
  return html`<section class="access-trust" aria-labelledby="trust-title">
      <h2 id="trust-title">${t('trustTitle')}</h2>
      <p>${t('trustBrowser')}</p>
      <p>${t('trustKey')}</p>
      ${
        head === null
          ? ''
          : html`<p class="tree-head">
            ${t('signedHead', {
              size: formats.number(head.tree_size),
              time: formats.dateTime(new Date(head.timestamp).toISOString()),
              kid: head.key_id,
            })}
          </p>`
      }
    </section>
    <section id="verify-offline" class="access-offline" aria-labelledby="offline-title">
      <h2 id="offline-title">${t('offlineTitle')}</h2>
      <p>${t('offlineIntro')}</p>
      <ul>
        <li><a href="/access-log/export" download>${t('downloadExport')}</a></li>
        <li><a href="/access-log/keys" download>${t('downloadKeys')}</a></li>
      </ul>
      <pre><code>npm run audit:verify -- my-access-log.json --jwks audit-keys.json</code></pre>
      <p>${t('offlineLimit')}</p>
    </section>`;
}

/**
 * The page's body: the entries of one page of the person's log (newest first), each with its
 * verdict (written by the browser), the summary, paging, and how the check works.
 *
 * @param olderThan the cursor this page was asked with (none: the newest entries)
 */
export function accessLogBody(
  t: T,
  formats: Formats,
  answer: AccessLogAnswer,
  jwks: Jwks,
  olderThan: string | undefined,
): Html {
  const links = [
    olderThan !== undefined ? html`<li><a href="/access-log">${t('newestEntries')}</a></li>` : '',
    answer.nextCursor !== null
      ? html`<li>
          <a href="/access-log?cursor=${encodeURIComponent(answer.nextCursor)}" rel="next"
            >${t('olderEntries')}</a
          >
        </li>`
      : '',
  ].filter((link) => link !== '');
  const paging =
    links.length === 0
      ? ''
      : html`<nav class="access-paging" aria-label="${t('paging')}"><ul>${links}</ul></nav>`;
  if (answer.treeHead === null) {
    return html`<p>${t('intro')}</p>
      <p class="notice">${t('noTreeHead')}</p>`;
  }
  if (answer.entries.length === 0) {
    return html`<p>${t('intro')}</p>
      <p class="notice">${olderThan === undefined ? t('empty') : t('emptyOlder')}</p>
      ${olderThan !== undefined ? paging : ''} ${trustView(t, formats, answer.treeHead)}`;
  }
  return html`<p>${t('intro')}</p>
    <section
      class="access-log"
      aria-label="${t('title')}"
      data-access-log
      data-subject="${answer.subjectNationalId}"
      data-tree-head="${JSON.stringify(answer.treeHead)}"
      data-jwks="${JSON.stringify(jwks)}"
      ${SCRIPT_MESSAGES.map(([name, key]) => html` data-msg-${name}="${t(key)}"`)}
    >
      <p class="verify-summary" role="status" aria-live="polite" data-verify-summary data-verdict="">
        <span class="verdict-pending">${t('summaryPending')}</span>
        <noscript>${t('noScript')} <a href="#verify-offline">${t('noScriptLink')}</a>.</noscript>
      </p>
      <ol class="access-entries">
        ${answer.entries.map((entry, i) => entryView(t, formats, entry, i))}
      </ol>
    </section>
    ${paging} ${trustView(t, formats, answer.treeHead)}`;
}
