import type { JWTPayload } from 'jose';

/** The registers a registrar may be entitled to write. Open: a new register adds a name. */
export type RegisterName = string;

/**
 * Who is calling, as established from a verified bearer token. Authorisation (may this
 * principal read this record?) is decided by the service that owns the record.
 */
export type Principal =
  | {
      /** Staff of the authority that keeps one or more registers: may write to those. */
      readonly kind: 'registrar';
      readonly subject: string;
      readonly registers: readonly RegisterName[];
      readonly organisationId: string | undefined;
      /**
       * The registrar's own national identification number (claim `national_id`), when the
       * identity provider issues it: a registrar never decides on their own record.
       */
      readonly nationalId?: string | undefined;
    }
  | {
      /** A person acting for themself: the subject is their national identification number. */
      readonly kind: 'citizen';
      readonly subject: string;
    }
  | {
      /**
       * An administration (agency) reusing data: identified by its organisation id; every read
       * must state a purpose and a legal basis.
       */
      readonly kind: 'agency';
      readonly subject: string;
      readonly organisationId: string;
    }
  | {
      /**
       * Platform operations staff: run site failover (fence, promote) and read replication
       * status and digests. Never reads personal data.
       */
      readonly kind: 'operator';
      readonly subject: string;
    }
  | {
      /**
       * A data-protection officer: reads every person's consents and access entries (sealed
       * ones included) to answer data subjects and supervise; changes nothing.
       */
      readonly kind: 'dpo';
      readonly subject: string;
      readonly organisationId: string | undefined;
    }
  | {
      /**
       * An auditor (a supervisory authority): reads the access log in full, sealed entries
       * included, and its signed tree heads; changes nothing.
       */
      readonly kind: 'auditor';
      readonly subject: string;
      readonly organisationId: string | undefined;
    };

export type PrincipalKind = Principal['kind'];

/** The platform's private claims, beside the registered ones (iss, aud, sub, exp, iat, jti). */
export interface PlatformClaims extends JWTPayload {
  readonly role?: unknown;
  readonly registers?: unknown;
  readonly org?: unknown;
  readonly national_id?: unknown;
}

/** Why a verified token still does not describe a principal. */
export class InvalidClaimsError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidClaimsError';
  }
}

const NATIONAL_ID_SHAPE = /^\d{13}$/;

/** Reads the principal from verified claims; throws {@link InvalidClaimsError} when they do not fit. */
export function principalFromClaims(claims: PlatformClaims): Principal {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject.length === 0) {
    throw new InvalidClaimsError('the token has no subject (sub)');
  }
  switch (claims.role) {
    case 'registrar': {
      const registers = claims.registers;
      if (
        !Array.isArray(registers) ||
        registers.length === 0 ||
        !registers.every((r): r is string => typeof r === 'string' && r.length > 0)
      ) {
        throw new InvalidClaimsError(
          'a registrar token must list the registers it may write (registers)',
        );
      }
      const nationalId = claims.national_id;
      if (
        nationalId !== undefined &&
        (typeof nationalId !== 'string' || !NATIONAL_ID_SHAPE.test(nationalId))
      ) {
        throw new InvalidClaimsError(
          'national_id must be a 13-digit national identification number',
        );
      }
      return {
        kind: 'registrar',
        subject,
        registers,
        organisationId: typeof claims.org === 'string' ? claims.org : undefined,
        ...(nationalId === undefined ? {} : { nationalId }),
      };
    }
    case 'citizen':
      if (!NATIONAL_ID_SHAPE.test(subject)) {
        throw new InvalidClaimsError(
          'a citizen token must have a national identification number as subject',
        );
      }
      return { kind: 'citizen', subject };
    case 'agency':
      if (typeof claims.org !== 'string' || claims.org.length === 0) {
        throw new InvalidClaimsError('an agency token must name its organisation (org)');
      }
      return { kind: 'agency', subject, organisationId: claims.org };
    case 'operator':
      return { kind: 'operator', subject };
    case 'dpo':
    case 'auditor':
      return {
        kind: claims.role,
        subject,
        organisationId: typeof claims.org === 'string' ? claims.org : undefined,
      };
    default:
      throw new InvalidClaimsError(
        'the token has no known role (registrar, citizen, agency, operator, dpo or auditor)',
      );
  }
}
