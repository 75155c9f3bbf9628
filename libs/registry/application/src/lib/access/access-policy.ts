import { ApplicationError } from '@gov/platform-chassis';
import type { FieldError } from '@gov/platform-chassis';
import type { Principal } from '@gov/platform-auth';
import type { RegisterName } from '@gov/registry-domain';

import type { RequestContext } from '../context';
import type { AccessorRole } from './personal-data-accessed';

/** A registrar principal. */
export type RegistrarPrincipal = Extract<Principal, { kind: 'registrar' }>;

/** A citizen principal. */
export type CitizenPrincipal = Extract<Principal, { kind: 'citizen' }>;

/** Header names of an agency's declaration, as the 400 answer names them. */
export const PURPOSE_HEADER = 'X-Purpose';
export const LEGAL_BASIS_HEADER = 'X-Legal-Basis';
export const PROCEDURE_HEADER = 'X-Procedure';

/** A procedure id as a reader declares it: an identifier, not free text. */
const PROCEDURE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** Bounds of the declared purpose and legal basis, in characters. */
export const DECLARATION_LIMITS = { purpose: 200, legalBasis: 500 };

/**
 * The legal basis on which registrars read the register they keep, recorded on their reads:
 * the law on the identification of natural persons for the register of natural persons, the
 * law on the trade and companies register for businesses.
 */
export const REGISTER_KEEPING: Readonly<
  Record<RegisterName, { readonly purpose: string; readonly legalBasis: string }>
> = {
  persons: {
    purpose: 'keeping the register of natural persons',
    legalBasis: "loi du 19 juin 2013 relative à l'identification des personnes physiques",
  },
  businesses: {
    purpose: 'keeping the trade and companies register',
    legalBasis: 'loi du 19 décembre 2002 concernant le registre de commerce et des sociétés',
  },
  vehicles: {
    purpose: 'keeping the register of vehicles',
    legalBasis: 'loi modifiée du 14 février 1955 concernant la réglementation de la circulation',
  },
};

/** The principal, if it is a registrar of `register`; 403 otherwise. */
export function requireRegistrarOf(
  principal: Principal,
  register: RegisterName,
): RegistrarPrincipal {
  if (principal.kind !== 'registrar' || !principal.registers.includes(register)) {
    throw ApplicationError.forbidden(`only a registrar of the ${register} register may do this`);
  }
  return principal;
}

/** The principal, if it is a citizen; 403 otherwise. */
export function requireCitizen(principal: Principal, what: string): CitizenPrincipal {
  if (principal.kind !== 'citizen') {
    throw ApplicationError.forbidden(`only a citizen (the data subject) may ${what}`);
  }
  return principal;
}

/** How a permitted read of personal data is recorded; `null` when it is not (own data). */
export type ReadRecord = {
  readonly organisationId: string;
  readonly purpose: string;
  readonly legalBasis: string;
  readonly accessorRole: AccessorRole;
  /** A read on a legal basis of the catalogue: its id. */
  readonly legalBasisId?: string;
  /** A read on the person's consent: the artefact's id. */
  readonly consentId?: string;
  /** A read under a covert basis: hidden from the person until then. */
  readonly sealedUntil?: Date;
} | null;

/**
 * Who may read a person's record, before the record is read: decided here for citizens and
 * registrars (`decided`), or by the agency read policy for an agency (`agency`: what it declared).
 */
export type PersonReadAccess =
  | { readonly kind: 'decided'; readonly record: ReadRecord }
  | {
      readonly kind: 'agency';
      readonly organisationId: string;
      readonly purpose: string;
      /** The legal basis id the agency named (`X-Legal-Basis`), if it named one. */
      readonly legalBasisId?: string;
    };

/**
 * May the caller read the record of person `nationalId`, and how is the read recorded?
 *
 * - a citizen reads their own record (not recorded as an access: it is their data); 403 for
 *   anyone else's;
 * - a registrar of the persons register reads any record, recorded with the register-keeping
 *   purpose and legal basis unless they declared their own (a case reference);
 * - an agency declares a purpose (400 without) and, optionally, the id of the legal basis it
 *   reads on; the agency read policy decides the rest (see `AgencyReadPolicy`).
 */
export function personReadAccess(context: RequestContext, nationalId: string): PersonReadAccess {
  const { principal } = context;
  switch (principal.kind) {
    case 'citizen':
      if (principal.subject !== nationalId) {
        throw ApplicationError.forbidden('a citizen may read only their own record');
      }
      return { kind: 'decided', record: null };
    case 'registrar': {
      requireRegistrarOf(principal, 'persons');
      const declared = optionalDeclaration(context);
      return {
        kind: 'decided',
        record: {
          organisationId: principal.organisationId ?? 'registry',
          purpose: declared.purpose ?? REGISTER_KEEPING.persons.purpose,
          legalBasis: declared.legalBasis ?? REGISTER_KEEPING.persons.legalBasis,
          accessorRole: 'registrar',
        },
      };
    }
    case 'agency':
      return {
        kind: 'agency',
        organisationId: principal.organisationId,
        ...requirePurpose(context),
      };
    case 'operator':
      throw ApplicationError.forbidden('operators do not read personal data');
    case 'dpo':
    case 'auditor':
      throw ApplicationError.forbidden(
        'data-protection officers and auditors read consents and the access log, not records',
      );
    default: {
      const unknown: never = principal;
      throw new TypeError(`unknown principal ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Who reads a record of a register other than persons, before the record is read: a registrar of
 * the register (the whole record); a citizen in the capacity `Citizen` (the whole record, if the
 * record names them so now, which the caller checks: else 403); or an agency, as it declared
 * itself (the agency read policy decides the rest).
 */
export type RecordReadAccess<Citizen extends string> =
  | { readonly kind: 'registrar' }
  | { readonly kind: Citizen; readonly nationalId: string }
  | {
      readonly kind: 'agency';
      readonly organisationId: string;
      readonly purpose: string;
      readonly legalBasisId?: string;
    };

/** Who reads a business's record: a citizen as a current manager. */
export type BusinessReadAccess = RecordReadAccess<'manager'>;

/** Who reads a vehicle's record: a citizen as its owner now. */
export type VehicleReadAccess = RecordReadAccess<'owner'>;

/**
 * May the caller read a record of `register`? Registrars of that register; a citizen in the
 * capacity `citizen` (the caller checks the record: {@link requireCurrentManager} for a
 * business); and agencies that declare a purpose (and optionally the legal basis id they read
 * on), which the agency read policy then decides.
 */
function recordReadAccess<Citizen extends string>(
  context: RequestContext,
  register: Exclude<RegisterName, 'persons'>,
  citizen: Citizen,
): RecordReadAccess<Citizen> {
  const { principal } = context;
  switch (principal.kind) {
    case 'registrar':
      requireRegistrarOf(principal, register);
      return { kind: 'registrar' };
    case 'agency': {
      const declared = requirePurpose(context);
      return { kind: 'agency', organisationId: principal.organisationId, ...declared };
    }
    case 'citizen':
      return { kind: citizen, nationalId: principal.subject };
    case 'operator':
    case 'dpo':
    case 'auditor':
      throw ApplicationError.forbidden(`${principal.kind}s do not read register records`);
    default: {
      const unknown: never = principal;
      throw new TypeError(`unknown principal ${JSON.stringify(unknown)}`);
    }
  }
}

/** May the caller read the record of a business? See {@link recordReadAccess}. */
export function businessReadAccess(context: RequestContext): BusinessReadAccess {
  return recordReadAccess(context, 'businesses', 'manager');
}

/** May the caller read the record of a vehicle? As for a business, its owner as the citizen. */
export function vehicleReadAccess(context: RequestContext): VehicleReadAccess {
  return recordReadAccess(context, 'vehicles', 'owner');
}

/**
 * 403 unless `managers` (a business's managers now, or `undefined` when no such business is
 * registered) names `nationalId`. The same answer whether the business exists or not, so that
 * a citizen cannot probe the register by number.
 */
export function requireCurrentManager(
  nationalId: string,
  managers: readonly { readonly nationalId: string }[] | undefined,
): void {
  if (managers?.some((manager) => manager.nationalId === nationalId) !== true) {
    throw ApplicationError.forbidden('a citizen may read only the businesses they manage');
  }
}

/** An agency's declared purpose (400 without), and the legal basis id it names, if any. */
function requirePurpose(context: RequestContext): { purpose: string; legalBasisId?: string } {
  const declared = optionalDeclaration(context);
  if (declared.purpose === undefined) {
    throw ApplicationError.validationFailed(`an agency reads with the header ${PURPOSE_HEADER}`, [
      { field: PURPOSE_HEADER, message: 'an agency must state the purpose of its read' },
    ]);
  }
  return {
    purpose: declared.purpose,
    ...(declared.legalBasis === undefined ? {} : { legalBasisId: declared.legalBasis }),
  };
}

// Printable text only: the declaration goes into the audit trail as it is.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]+$/u;

function optionalDeclaration(context: RequestContext): { purpose?: string; legalBasis?: string } {
  const errors: FieldError[] = [];
  const read = (raw: string | undefined, field: string, max: number): string | undefined => {
    const value = raw?.normalize('NFC').trim().replace(/\s+/gu, ' ');
    if (value === undefined || value === '') return undefined;
    if (Array.from(value).length > max || !PRINTABLE.test(value)) {
      errors.push({ field, message: `must be printable text of at most ${max} characters` });
    }
    return value;
  };
  const purpose = read(context.purpose, PURPOSE_HEADER, DECLARATION_LIMITS.purpose);
  const legalBasis = read(context.legalBasis, LEGAL_BASIS_HEADER, DECLARATION_LIMITS.legalBasis);
  if (context.procedureId !== undefined && !PROCEDURE_ID.test(context.procedureId)) {
    errors.push({
      field: PROCEDURE_HEADER,
      message: 'must be a procedure id: letters, digits and . _ : -, at most 100',
    });
  }
  if (errors.length > 0) {
    throw ApplicationError.validationFailed(
      'the declared purpose, legal basis or procedure is invalid',
      errors,
    );
  }
  return {
    ...(purpose === undefined ? {} : { purpose }),
    ...(legalBasis === undefined ? {} : { legalBasis }),
  };
}
