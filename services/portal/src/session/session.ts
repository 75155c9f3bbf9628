// The portal's session: who signed in and the bearer token the services verify, kept in the
// browser as one cookie encrypted and authenticated with AES-256-GCM under the portal's key.
// Nothing is stored on the server, so any replica of the portal (and, with the same key, the
// other site's) reads it; the browser's scripts cannot (HttpOnly), and a changed byte makes it
// unreadable. The token never appears in a page.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** Who signed in, as the portal shows them and as the services' tokens say. */
export type SignedIn =
  | {
      readonly role: 'citizen';
      /** The person's national identification number (the token's subject). */
      readonly nationalId: string;
      /** The name to greet them with. */
      readonly displayName: string;
    }
  | {
      readonly role: 'operator';
      readonly subject: string;
      readonly displayName: string;
    };

/** The cookie's content. */
export interface Session {
  readonly user: SignedIn;
  /** The bearer token for the services (the identity provider's access token, or minted locally). */
  readonly token: string;
  /** When the session ends (epoch ms): the token's own expiry or the portal's limit, the earlier. */
  readonly expiresAt: number;
  /** Random id of this session: the key of its anti-forgery token. */
  readonly id: string;
}

export const SESSION_COOKIE = 'portal_session';
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens sessions with one 32-byte key. */
export class SessionSealer {
  private readonly encryptionKey: Buffer;
  private readonly csrfKey: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new Error('the session secret must be at least 32 bytes');
    // Two keys from one secret, so that an anti-forgery token reveals nothing about the other.
    this.encryptionKey = createHmac('sha256', secret).update('portal session encryption').digest();
    this.csrfKey = createHmac('sha256', secret).update('portal anti-forgery').digest();
  }

  seal(session: Session): string {
    return this.sealJson(session, 'session');
  }

  /** The session in `sealed`, or `undefined` if it is not one of ours, was altered or has ended. */
  open(sealed: string | undefined, now: number = Date.now()): Session | undefined {
    return this.openJson<Session>(sealed, 'session', now);
  }

  /**
   * Seals any value that has an `expiresAt` (epoch ms): the session, or the state of a sign-in
   * in progress with the identity provider. The purpose is authenticated with it, so a value
   * sealed for one purpose never opens as another.
   */
  sealJson(value: { readonly expiresAt: number }, purpose: SealPurpose): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(additionalData(purpose));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString(
      'base64url',
    );
  }

  /**
   * What {@link sealJson} sealed, unless altered, foreign or past its `expiresAt`. `T` is what
   * the caller sealed for `purpose`: only this portal's key could have sealed it.
   */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  openJson<T extends { readonly expiresAt: number }>(
    sealed: string | undefined,
    purpose: SealPurpose,
    now: number = Date.now(),
  ): T | undefined {
    if (sealed === undefined || sealed.length === 0 || sealed.length > 8192) return undefined;
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 1 + IV_BYTES + TAG_BYTES + 2 || bytes[0] !== VERSION) return undefined;
    try {
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, iv);
      decipher.setAAD(additionalData(purpose));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([
        decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
      const value = JSON.parse(plain) as T;
      return typeof value.expiresAt === 'number' && value.expiresAt > now ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** The anti-forgery token every form of `session` carries (`_csrf`). */
  csrfToken(session: Session): string {
    return createHmac('sha256', this.csrfKey).update(session.id).digest('base64url');
  }

  /** Whether `token` is the anti-forgery token of `session`. */
  checkCsrf(session: Session, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(this.csrfToken(session));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** What a sealed value is for. */
export type SealPurpose = 'session' | 'sign-in';

function additionalData(purpose: SealPurpose): Buffer {
  return Buffer.from(`${String(VERSION)}:${purpose}`);
}

/** A new session id. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}
