import type { NationalId } from '../national-id';
import type { BusinessNumber } from '../registers/businesses/business';
import type { BusinessCorrection } from '../registers/businesses/business.corrections';
import type { PersonCorrection } from '../registers/persons/person.corrections';
import type { RegisterName } from '../registers/registers';

/**
 * The record a correction is about, the field and its proposed value: one case per register,
 * each with that register's closed set of correctable fields. A register with correctable
 * fields adds its case here (the never checks then point at every switch to extend).
 */
export type CorrectionTarget =
  | {
      readonly register: 'persons';
      readonly recordId: NationalId;
      readonly correction: PersonCorrection;
    }
  | {
      readonly register: 'businesses';
      readonly recordId: BusinessNumber;
      readonly correction: BusinessCorrection;
    };

/** A correction target as a request gives it, with what the decision needs to look up. */
export type CorrectionTargetInput =
  | {
      readonly register: 'persons';
      readonly recordId: string;
      readonly correction: PersonCorrection;
    }
  | {
      readonly register: 'businesses';
      readonly recordId: string;
      readonly correction: BusinessCorrection;
      /**
       * A lookup, made by the application from the business's record when it takes the request
       * (`decide` reads nothing itself): the national identification numbers of the business's
       * current managers, the people who may ask to correct its record.
       */
      readonly currentManagers: readonly string[];
    };

/** Where a correction request stands; the requester sees it. */
export type CorrectionStatus = 'REQUESTED' | 'ACCEPTED' | 'REJECTED';

/** An official who keeps one register and decides the correction requests made on it. */
export interface Registrar {
  /** The official's staff id, as the identity provider gives it. */
  readonly registrarId: string;
  /** The official's own national identification number, to catch conflicts of interest. */
  readonly nationalId: string;
  /** The register the official keeps. */
  readonly register: RegisterName;
}

/** Bounds of the correction fields, in characters. */
export const CORRECTION_LIMITS = { justification: 2000, reason: 1000, registrarId: 64 };
