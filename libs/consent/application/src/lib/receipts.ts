import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';

import type { Organisation } from '@gov/platform-legal-bases';

/** Where the receipt signing key comes from. */
export type ReceiptKeySource =
  /** A folder shared by every instance (both sites locally): the key is created there once. */
  | { readonly dir: string }
  /** A private Ed25519 JWK file (with `kid`), from a deployment's secret. */
  | { readonly privateKeyFile: string };

/** File name of the private key in a key folder. */
export const RECEIPT_KEY_FILE = 'receipt-signing-key.jwk';

/** The JWS `typ` of a consent receipt. */
export const RECEIPT_TYPE = 'consent-receipt+jws';

/** The public keys that verify receipts, as `GET /.well-known/jwks.json` publishes them. */
export interface Jwks {
  readonly keys: readonly JWK[];
}

/**
 * Signs consent receipts as compact JWS (EdDSA over Ed25519) and publishes the public key.
 * Ed25519 signatures are deterministic, so a receipt signed again from the same log with the
 * same key is the same string, on either site.
 */
export class ReceiptSigner {
  private constructor(
    private readonly key: CryptoKey,
    readonly keyId: string,
    readonly jwks: Jwks,
  ) {}

  /** A signer of the private Ed25519 key `jwk`. */
  static async fromPrivateJwk(jwk: JWK): Promise<ReceiptSigner> {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || jwk.d === undefined) {
      throw new Error('the receipt signing key must be a private Ed25519 JWK');
    }
    const bare = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
    const keyId = jwk.kid ?? (await calculateJwkThumbprint(bare));
    const key = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
    if (key instanceof Uint8Array) throw new Error('the receipt signing key is not asymmetric');
    return new ReceiptSigner(key, keyId, {
      keys: [{ ...bare, kid: keyId, alg: 'EdDSA', use: 'sig' }],
    });
  }

  /** The compact JWS of `receipt`. */
  sign(receipt: ConsentReceipt): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(receipt)))
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keyId, typ: RECEIPT_TYPE })
      .sign(this.key);
  }
}

/**
 * The signer of the configured key. With a folder, the key pair is created there on first use;
 * instances starting at the same moment race through a hard link, so all end up with one key.
 */
export async function loadReceiptSigner(source: ReceiptKeySource): Promise<ReceiptSigner> {
  const file = 'dir' in source ? await ensureKeyFile(source.dir) : source.privateKeyFile;
  return ReceiptSigner.fromPrivateJwk(JSON.parse(readFileSync(file, 'utf8')) as JWK);
}

async function ensureKeyFile(dir: string): Promise<string> {
  const file = join(dir, RECEIPT_KEY_FILE);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  const staging = `${file}.${String(process.pid)}.tmp`;
  writeFileSync(staging, `${JSON.stringify({ ...(await exportJWK(privateKey)), kid })}\n`, {
    mode: 0o600,
  });
  try {
    linkSync(staging, file);
  } catch (error) {
    // Another instance linked its key first: everyone uses that one.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(staging, { force: true });
  }
  return file;
}

/** What happened to the artefact that a receipt records (ISO/IEC TS 27560 event types). */
export type ReceiptEventType = 'given' | 'modified' | 'superseded' | 'withdrawn';

/**
 * A consent receipt: the fields of a Kantara Consent Receipt v1.1 under their names, and the
 * ISO/IEC TS 27560 consent-record fields that Kantara lacks (record id, status, event, validity).
 * Machine-readable and self-contained: verifiable offline against the service's JWKS.
 */
export interface ConsentReceipt {
  /** Kantara: the specification version. */
  readonly version: 'KI-CR-v1.1.0';
  readonly jurisdiction: string;
  /** Kantara: when the event occurred, in seconds since the epoch. */
  readonly consentTimestamp: number;
  readonly collectionMethod: string;
  /** The id of the event this receipt records (unique per receipt). */
  readonly consentReceiptID: string;
  readonly language: string;
  /** The data subject's national identification number. */
  readonly piiPrincipalId: string;
  readonly piiControllers: readonly {
    readonly piiController: string;
    readonly piiControllerId: string;
    readonly onBehalf: boolean;
    readonly contact: string;
    readonly piiControllerUrl: string;
  }[];
  readonly policyUrl: string;
  readonly services: readonly {
    readonly service: string;
    readonly purposes: readonly {
      readonly purpose: string;
      readonly purposeCategory: readonly string[];
      readonly consentType: 'EXPLICIT';
      readonly piiCategory: readonly string[];
      readonly primaryPurpose: boolean;
      readonly termination: string;
      readonly thirdPartyDisclosure: boolean;
    }[];
  }[];
  readonly sensitive: boolean;
  readonly spiCat: readonly string[];
  /** ISO/IEC TS 27560: the record's schema, its id (the artefact) and its state. */
  readonly schemaVersion: 'ISO/IEC TS 27560:2023';
  readonly recordId: string;
  readonly consentStatus: 'active' | 'withdrawn' | 'superseded';
  readonly event: {
    readonly eventType: ReceiptEventType;
    readonly eventTime: string;
    readonly eventBy: 'data-subject';
  };
  readonly validity: {
    readonly validFrom: string;
    readonly validUntil: string;
    readonly maxUses: number | null;
  };
  readonly procedureId: string | null;
  readonly supersedes: string | null;
  readonly supersededBy: string | null;
}

/** The artefact and event a receipt is made of. */
export interface ReceiptFacts {
  readonly eventId: string;
  readonly eventType: ReceiptEventType;
  readonly eventTime: Date;
  readonly consentId: string;
  readonly subject: string;
  readonly organisation: Organisation;
  readonly categories: readonly string[];
  readonly purpose: string;
  readonly procedureId: string | null;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly maxUses: number | null;
  readonly language: string;
  readonly supersedes: string | null;
  readonly supersededBy: string | null;
  readonly jurisdiction: string;
}

const STATUS_AFTER: Record<ReceiptEventType, ConsentReceipt['consentStatus']> = {
  given: 'active',
  modified: 'active',
  superseded: 'superseded',
  withdrawn: 'withdrawn',
};

/** The receipt of one event of an artefact. Deterministic: a function of its facts. */
export function consentReceipt(facts: ReceiptFacts): ConsentReceipt {
  return {
    version: 'KI-CR-v1.1.0',
    jurisdiction: facts.jurisdiction,
    consentTimestamp: Math.floor(facts.eventTime.getTime() / 1000),
    collectionMethod: 'online, by the authenticated data subject (citizen portal)',
    consentReceiptID: facts.eventId,
    language: facts.language,
    piiPrincipalId: facts.subject,
    piiControllers: [
      {
        piiController: facts.organisation.name,
        piiControllerId: facts.organisation.id,
        onBehalf: false,
        contact: facts.organisation.contact,
        piiControllerUrl: facts.organisation.policyUrl,
      },
    ],
    policyUrl: facts.organisation.policyUrl,
    services: [
      {
        service: facts.procedureId ?? facts.purpose,
        purposes: [
          {
            purpose: facts.purpose,
            purposeCategory: ['public-administration'],
            consentType: 'EXPLICIT',
            piiCategory: [...facts.categories],
            primaryPurpose: true,
            termination: `at ${facts.validUntil.toISOString()}${
              facts.maxUses === null ? '' : `, or after ${String(facts.maxUses)} uses`
            }, or when the data subject revokes it`,
            thirdPartyDisclosure: false,
          },
        ],
      },
    ],
    sensitive: false,
    spiCat: [],
    schemaVersion: 'ISO/IEC TS 27560:2023',
    recordId: facts.consentId,
    consentStatus: STATUS_AFTER[facts.eventType],
    event: {
      eventType: facts.eventType,
      eventTime: facts.eventTime.toISOString(),
      eventBy: 'data-subject',
    },
    validity: {
      validFrom: facts.validFrom.toISOString(),
      validUntil: facts.validUntil.toISOString(),
      maxUses: facts.maxUses,
    },
    procedureId: facts.procedureId,
    supersedes: facts.supersedes,
    supersededBy: facts.supersededBy,
  };
}
