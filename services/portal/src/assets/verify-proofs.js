// @ts-check
// "Who accessed my data": the browser checks every entry's inclusion proof itself, with
// WebCrypto only (SHA-256, Ed25519). The portal's server relays what the audit service answered
// (entries, proofs, the signed tree head, the audit service's public key) and verifies nothing:
// this file mirrors the audit service's leaf encoding and RFC 9162's proof verification
// (services/audit/README.md, "The tree" and "Signed tree heads") without importing its code.
//
// The pure functions are exported for the portal's unit tests (Node 24 has the same WebCrypto);
// the page is wired up at the end, only in a browser.

/**
 * @typedef {{ tree_size: number, timestamp: number, root_hash: string, key_id?: string, jws: string }} SignedTreeHead
 * @typedef {{ tree_size: number, timestamp: number, root_hash: string }} TreeHeadPayload
 * @typedef {{ keys?: unknown }} Jwks
 * @typedef {{ leafIndex: number, treeSize: number, leafHash?: string, auditPath: string[] }} InclusionProof
 * @typedef {Record<string, unknown>} Leaf
 * @typedef {'no-tree-head' | 'no-webcrypto' | 'unknown-key' | 'bad-signature' | 'head-mismatch'
 *   | 'malformed-leaf' | 'wrong-subject' | 'wrong-tree-size' | 'not-in-tree' | 'shown-differs'} Reason
 * @typedef {{ ok: true } | { ok: false, reason: Reason }} Verdict
 */

/** The JWS `typ` of the audit service's signed tree heads. */
export const TREE_HEAD_TYPE = 'gov.audit.sth+jws';
/** The leaf format this page knows. */
export const LEAF_FORMAT = 'gov.audit.v1.leaf';

/** Every member of a canonical leaf, and whether it may be `null` (`fields` is an array). */
const LEAF_MEMBERS = /** @type {const} */ ({
  accessedAt: false,
  actorId: true,
  capacity: false,
  consentId: true,
  entryId: false,
  fields: false,
  format: false,
  legalBasis: true,
  legalBasisId: true,
  organisationId: false,
  procedureId: true,
  purpose: false,
  salt: false,
  sealedUntil: true,
  sourceEventId: false,
  sourceEventType: false,
  sourceService: false,
  subjectNationalId: false,
  traceId: true,
});
const SORTED_MEMBERS = Object.keys(LEAF_MEMBERS).sort();

/** Why a value is not a canonical leaf of this version. */
export class MalformedLeafError extends Error {
  /** @override */
  name = 'MalformedLeafError';
}

/**
 * The canonical text of a leaf, as the audit service hashes it: RFC 8785 (JCS) for an object
 * of strings, `null`s and arrays of strings, i.e. `JSON.stringify` of each member with the
 * members sorted by name and no whitespace. Every member must be there, with its type, and no
 * other: an entry that was changed in shape fails here, one changed in value fails the proof.
 *
 * @param {unknown} leaf
 * @returns {string}
 * @throws {MalformedLeafError}
 */
export function canonicalLeafText(leaf) {
  if (typeof leaf !== 'object' || leaf === null || Array.isArray(leaf)) {
    throw new MalformedLeafError('a leaf is a JSON object');
  }
  const record = /** @type {Record<string, unknown>} */ (leaf);
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(LEAF_MEMBERS, key)) throw new MalformedLeafError(`unknown member ${key}`);
  }
  const members = SORTED_MEMBERS.map((key) => {
    const value = record[key];
    const nullable = LEAF_MEMBERS[/** @type {keyof typeof LEAF_MEMBERS} */ (key)];
    const ok =
      key === 'fields'
        ? Array.isArray(value) && value.every((field) => typeof field === 'string')
        : typeof value === 'string' || (value === null && nullable);
    if (!ok) throw new MalformedLeafError(`member ${key} is missing or mistyped`);
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  if (record['format'] !== LEAF_FORMAT) throw new MalformedLeafError('unknown leaf format');
  return `{${members.join(',')}}`;
}

/**
 * @param {string} text base64url without padding
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * @param {Uint8Array[]} parts
 * @returns {Promise<Uint8Array<ArrayBuffer>>}
 */
async function sha256(...parts) {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/**
 * RFC 9162 §2.1.1: the hash of a leaf, `SHA-256(0x00 || leaf)`.
 *
 * @param {Uint8Array} leaf
 */
export function leafHash(leaf) {
  return sha256(LEAF_PREFIX, leaf);
}

/**
 * RFC 9162 §2.1.1: the hash of an interior node, `SHA-256(0x01 || left || right)`.
 *
 * @param {Uint8Array} left
 * @param {Uint8Array} right
 */
export function nodeHash(left, right) {
  return sha256(NODE_PREFIX, left, right);
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1 to 4), or `null` when the
 * proof cannot belong to leaf `index` of a tree of `size` (index out of range, wrong length).
 *
 * @param {Uint8Array} leaf the leaf's hash
 * @param {number} index
 * @param {number} size
 * @param {readonly Uint8Array[]} path bottom-up, as the audit service answers it
 * @returns {Promise<Uint8Array | null>}
 */
export async function rootFromInclusionProof(leaf, index, size, path) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size)) return null;
  if (index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1)
    diff |= /** @type {number} */ (a[i]) ^ /** @type {number} */ (b[i]);
  return diff === 0;
}

/** @param {string} part */
function jsonOfBase64Url(part) {
  return /** @type {unknown} */ (JSON.parse(new TextDecoder().decode(fromBase64Url(part))));
}

/**
 * Checks a signed tree head: its compact JWS must be an Ed25519 signature by a key of `jwks`
 * (matched by `kid`) with the tree head's `typ`, and the fields the page uses must be the ones
 * signed (only the JWS counts). Returns the signed payload.
 *
 * @param {SignedTreeHead | null | undefined} head
 * @param {Jwks} jwks
 * @returns {Promise<{ ok: true, payload: TreeHeadPayload } | { ok: false, reason: Reason }>}
 */
export async function verifyTreeHead(head, jwks) {
  if (!head || typeof head.jws !== 'string') return { ok: false, reason: 'no-tree-head' };
  const parts = head.jws.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'bad-signature' };
  const [protectedPart = '', payloadPart = '', signaturePart = ''] = parts;
  /** @type {Record<string, unknown>} */
  let header;
  /** @type {Record<string, unknown>} */
  let payload;
  /** @type {Uint8Array<ArrayBuffer>} */
  let signature;
  try {
    header = /** @type {Record<string, unknown>} */ (jsonOfBase64Url(protectedPart));
    payload = /** @type {Record<string, unknown>} */ (jsonOfBase64Url(payloadPart));
    signature = fromBase64Url(signaturePart);
  } catch {
    return { ok: false, reason: 'bad-signature' };
  }
  if (header['alg'] !== 'EdDSA' || header['typ'] !== TREE_HEAD_TYPE) {
    return { ok: false, reason: 'bad-signature' };
  }
  const keys = /** @type {Record<string, unknown>[]} */ (
    Array.isArray(jwks.keys)
      ? jwks.keys.filter((key) => typeof key === 'object' && key !== null)
      : []
  );
  const jwk = keys.find(
    (key) => key['kid'] === header['kid'] && key['kty'] === 'OKP' && key['crv'] === 'Ed25519',
  );
  if (jwk === undefined || typeof jwk['x'] !== 'string')
    return { ok: false, reason: 'unknown-key' };
  /** @type {CryptoKey} */
  let key;
  try {
    key = await crypto.subtle.importKey(
      'jwk',
      { kty: 'OKP', crv: 'Ed25519', x: jwk['x'] },
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
  } catch {
    return { ok: false, reason: 'no-webcrypto' };
  }
  const signed = new TextEncoder().encode(`${protectedPart}.${payloadPart}`);
  const valid = await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, signed);
  if (!valid) return { ok: false, reason: 'bad-signature' };
  const treeSize = payload['tree_size'];
  const timestamp = payload['timestamp'];
  const rootHash = payload['root_hash'];
  if (
    typeof treeSize !== 'number' ||
    !Number.isSafeInteger(treeSize) ||
    treeSize < 0 ||
    typeof timestamp !== 'number' ||
    !Number.isSafeInteger(timestamp) ||
    typeof rootHash !== 'string'
  ) {
    return { ok: false, reason: 'bad-signature' };
  }
  if (head.tree_size !== treeSize || head.timestamp !== timestamp || head.root_hash !== rootHash) {
    return { ok: false, reason: 'head-mismatch' };
  }
  return { ok: true, payload: { tree_size: treeSize, timestamp, root_hash: rootHash } };
}

/**
 * An inclusion proof as the page carries it, or `null` when it is not one.
 *
 * @param {unknown} value
 * @returns {InclusionProof | null}
 */
function proofOf(value) {
  if (typeof value !== 'object' || value === null) return null;
  const proof = /** @type {Record<string, unknown>} */ (value);
  const { leafIndex, treeSize, auditPath } = proof;
  if (typeof leafIndex !== 'number' || typeof treeSize !== 'number') return null;
  if (!Array.isArray(auditPath) || !auditPath.every((hash) => typeof hash === 'string')) {
    return null;
  }
  return { leafIndex, treeSize, auditPath: /** @type {string[]} */ (auditPath) };
}

/**
 * Checks one entry against a verified tree head: the leaf is canonical and the person's, its
 * proof is against that head's size, and the leaf hash recomputed here walks up the proof to
 * the signed root. The proof's own `leafHash` is not trusted: the leaf is hashed again.
 *
 * @param {{ leaf: unknown, inclusionProof: unknown }} entry
 * @param {TreeHeadPayload} head a payload {@link verifyTreeHead} returned
 * @param {string} subjectNationalId whose log the page shows
 * @returns {Promise<Verdict>}
 */
export async function verifyEntry(entry, head, subjectNationalId) {
  /** @type {string} */
  let text;
  try {
    text = canonicalLeafText(entry.leaf);
  } catch {
    return { ok: false, reason: 'malformed-leaf' };
  }
  const leaf = /** @type {Leaf} */ (entry.leaf);
  if (leaf['subjectNationalId'] !== subjectNationalId)
    return { ok: false, reason: 'wrong-subject' };
  const proof = proofOf(entry.inclusionProof);
  if (proof === null) return { ok: false, reason: 'not-in-tree' };
  if (proof.treeSize !== head.tree_size) return { ok: false, reason: 'wrong-tree-size' };
  let root;
  try {
    const hash = await leafHash(new TextEncoder().encode(text));
    root = await rootFromInclusionProof(
      hash,
      proof.leafIndex,
      proof.treeSize,
      proof.auditPath.map(fromBase64Url),
    );
    if (root === null || !equalBytes(root, fromBase64Url(head.root_hash))) {
      return { ok: false, reason: 'not-in-tree' };
    }
  } catch {
    return { ok: false, reason: 'not-in-tree' };
  }
  return { ok: true };
}

/**
 * Whether what the page shows of an entry is what was proved: each shown value carries the
 * leaf member it comes from (`data-member`) and that member's JSON (`data-value`).
 *
 * @param {Leaf} leaf
 * @param {ReadonlyArray<{ member: string, value: string }>} shown
 */
export function shownMatchesLeaf(leaf, shown) {
  return shown.every(({ member, value }) => JSON.stringify(leaf[member] ?? null) === value);
}

/**
 * @param {string} template
 * @param {Record<string, string | number>} params
 */
function fill(template, params) {
  return template.replace(
    /\{(\w+)\}/g,
    /** @param {string} whole @param {string} name */
    (whole, name) => String(params[name] ?? whole),
  );
}

/**
 * @param {string} _whole
 * @param {string} letter
 */
function upperFirst(_whole, letter) {
  return letter.toUpperCase();
}

/**
 * @param {HTMLElement} element
 * @param {string} name
 * @returns {unknown}
 */
function jsonData(element, name) {
  const text = element.dataset[name];
  return text === undefined ? undefined : /** @type {unknown} */ (JSON.parse(text));
}

/**
 * @param {HTMLElement} target
 * @param {string} text
 * @param {'verified' | 'failed'} state
 */
function setVerdict(target, text, state) {
  target.textContent = text;
  target.dataset['verdict'] = state;
}

/**
 * Verifies every entry of the page's access log and writes the verdicts: each entry's, and the
 * summary's. Texts come from the page (`data-msg-*` of the log), in the person's language.
 *
 * @param {HTMLElement} log the element carrying the tree head, the key and the messages
 */
export async function verifyPage(log) {
  const messages = log.dataset;
  /** @param {string} key */
  const message = (key) => messages[`msg${key}`] ?? key;
  /** @param {Reason} reason */
  const because = (reason) =>
    fill(message('Failed'), {
      reason: message(`Reason${reason.replace(/(?:^|-)(\w)/g, upperFirst)}`),
    });
  const summary = /** @type {HTMLElement | null} */ (log.querySelector('[data-verify-summary]'));
  const entries = /** @type {HTMLElement[]} */ ([...log.querySelectorAll('[data-entry]')]);
  const subject = messages['subject'] ?? '';
  /** @type {SignedTreeHead | null} */
  let head = null;
  /** @type {Jwks} */
  let jwks = { keys: [] };
  try {
    head = /** @type {SignedTreeHead | null} */ (jsonData(log, 'treeHead') ?? null);
    jwks = /** @type {Jwks} */ (jsonData(log, 'jwks') ?? { keys: [] });
  } catch {
    // Unreadable: verified as absent, so every entry says why it does not verify.
  }
  // WebCrypto exists only in a secure context (https, or the loopback address).
  const secure = 'crypto' in globalThis && 'subtle' in globalThis.crypto;
  const signed = secure
    ? await verifyTreeHead(head, jwks)
    : /** @type {const} */ ({ ok: false, reason: 'no-webcrypto' });
  let failures = 0;
  for (const element of entries) {
    const verdict = /** @type {HTMLElement | null} */ (element.querySelector('[data-verdict]'));
    if (verdict === null) continue;
    /** @type {Verdict} */
    let outcome;
    if (!signed.ok) {
      outcome = { ok: false, reason: signed.reason };
    } else {
      try {
        const leaf = /** @type {Leaf} */ (jsonData(element, 'leaf'));
        const proof = /** @type {InclusionProof} */ (jsonData(element, 'proof'));
        outcome = await verifyEntry({ leaf, inclusionProof: proof }, signed.payload, subject);
        const shown = /** @type {HTMLElement[]} */ ([
          ...element.querySelectorAll('[data-member]'),
        ]).map((cell) => ({
          member: cell.dataset['member'] ?? '',
          value: cell.dataset['value'] ?? '',
        }));
        if (outcome.ok && !shownMatchesLeaf(leaf, shown)) {
          outcome = { ok: false, reason: 'shown-differs' };
        }
      } catch {
        outcome = { ok: false, reason: 'malformed-leaf' };
      }
    }
    if (outcome.ok) {
      setVerdict(
        verdict,
        fill(message('Verified'), { size: signed.ok ? signed.payload.tree_size : 0 }),
        'verified',
      );
    } else {
      failures += 1;
      setVerdict(verdict, because(outcome.reason), 'failed');
    }
  }
  if (summary !== null) {
    if (failures === 0) {
      setVerdict(
        summary,
        fill(message(entries.length === 1 ? 'OneVerified' : 'AllVerified'), {
          count: entries.length,
          size: signed.ok ? signed.payload.tree_size : 0,
        }),
        'verified',
      );
    } else {
      setVerdict(
        summary,
        fill(message(entries.length === 1 ? 'OneFailed' : 'SomeFailed'), {
          failed: failures,
          count: entries.length,
        }),
        'failed',
      );
    }
  }
}

if (typeof document !== 'undefined') {
  const log = /** @type {HTMLElement | null} */ (document.querySelector('[data-access-log]'));
  if (log !== null) {
    void verifyPage(log);
  }
}
