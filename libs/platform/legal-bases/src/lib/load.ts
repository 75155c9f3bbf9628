import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { InvalidLegalBasisCatalogueError, parseLegalBasisCatalogue } from './catalogue';
import type { LegalBasisCatalogue } from './catalogue';

/** The variable that points a service at the operator's catalogue file. */
export const LEGAL_BASES_FILE_VARIABLE = 'LEGAL_BASES_FILE';

/**
 * The catalogue shipped with the platform, `config/legal-bases.json` at the repository's root
 * (and at the same place in an image): the local platform's and the tests' default. It sits
 * outside this library so that a new register adds its fields and bases without touching it.
 */
export const DEFAULT_LEGAL_BASES_FILE = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  '..',
  'config',
  'legal-bases.json',
);

/**
 * Reads and validates the catalogue in `file` (by default `$LEGAL_BASES_FILE`, else the one
 * shipped here). Read once at start-up: a service that cannot read it must not start.
 *
 * @throws {@link InvalidLegalBasisCatalogueError} when the file is missing, not JSON, or invalid.
 */
export function loadLegalBasisCatalogue(
  file: string = process.env[LEGAL_BASES_FILE_VARIABLE] ?? DEFAULT_LEGAL_BASES_FILE,
): LegalBasisCatalogue {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidLegalBasisCatalogueError(file, [
      { path: '', message: error instanceof Error ? error.message : String(error) },
    ]);
  }
  return parseLegalBasisCatalogue(json, file);
}
