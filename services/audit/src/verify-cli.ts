import { readFileSync } from 'node:fs';

import type { JSONWebKeySet } from 'jose';

import { verifyExport } from '@gov/audit-application';
import type { SignedTreeHead } from '@gov/audit-application';

/** Where the verifier writes: findings for people, one JSON line for machines. */
export interface VerifyOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const VERIFY_USAGE =
  'usage: npm run audit:verify -- <export.json> --jwks <jwks.json> [--known <tree-head.json>]...';

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new Error(
      `cannot read ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The `audit:verify` program: verifies an export offline against the JWKS (a file) and the
 * tree heads the caller kept (`--known`, each a file with one signed tree head, e.g. the
 * `treeHead` of an earlier answer). Exit code 0 when nothing is wrong, 1 with the findings,
 * 2 for a usage or file error.
 */
export async function runVerify(argv: readonly string[], output: VerifyOutput): Promise<number> {
  let exportFile: string | undefined;
  let jwksFile: string | undefined;
  const knownFiles: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--jwks') jwksFile = argv[++i];
    else if (arg === '--known') {
      const file = argv[++i];
      if (file !== undefined) knownFiles.push(file);
    } else if (!arg.startsWith('--') && exportFile === undefined) exportFile = arg;
    else {
      output.err(`unexpected argument ${arg}\n${VERIFY_USAGE}`);
      return 2;
    }
  }
  if (exportFile === undefined || jwksFile === undefined) {
    output.err(VERIFY_USAGE);
    return 2;
  }
  let document: unknown;
  let jwks: JSONWebKeySet;
  let known: SignedTreeHead[];
  try {
    document = readJson(exportFile, 'the export');
    jwks = readJson(jwksFile, 'the JWKS') as JSONWebKeySet;
    known = knownFiles.map((file) => readJson(file, 'the tree head') as SignedTreeHead);
  } catch (error) {
    output.err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const result = await verifyExport(document, { jwks, knownTreeHeads: known });
  for (const finding of result.findings) output.err(`${finding.code}: ${finding.message}`);
  if (result.ok) {
    output.err(
      `OK: ${result.entries} entries (${result.scope ?? '?'}) against the signed tree head of ${result.treeSize ?? '?'} entries`,
    );
  }
  output.out(JSON.stringify(result));
  return result.ok ? 0 : 1;
}
