import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

import type { JSONWebKeySet } from 'jose';

import { verifyExport, verifyExportStream } from '@gov/audit-application';
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

/** An export file: one JSON document, or NDJSON (a header line, then one line per entry). */
type OpenedExport =
  | { readonly kind: 'document'; readonly document: unknown }
  | { readonly kind: 'lines'; readonly header: unknown; readonly entries: AsyncIterable<unknown> };

async function openExport(file: string): Promise<OpenedExport> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  let header: unknown;
  try {
    header = first.done ? undefined : (JSON.parse(first.value) as unknown);
  } catch {
    header = undefined;
  }
  const isHeader =
    typeof header === 'object' && header !== null && !('entries' in header) && 'format' in header;
  if (!isHeader) {
    lines.close();
    return { kind: 'document', document: readJson(file, 'the export') };
  }
  return {
    kind: 'lines',
    header,
    entries: (async function* entries() {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (next.value.trim() === '') continue;
        try {
          yield JSON.parse(next.value) as unknown;
        } catch {
          // Not JSON: the verifier reports it as a malformed entry.
          yield next.value;
        }
      }
    })(),
  };
}

/**
 * The `audit:verify` program: verifies an export (a JSON document or the NDJSON of
 * `GET /export`) offline against the JWKS (a file) and the
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
  let opened: OpenedExport;
  let jwks: JSONWebKeySet;
  let known: SignedTreeHead[];
  try {
    opened = await openExport(exportFile);
    jwks = readJson(jwksFile, 'the JWKS') as JSONWebKeySet;
    known = knownFiles.map((file) => readJson(file, 'the tree head') as SignedTreeHead);
  } catch (error) {
    output.err(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const options = { jwks, knownTreeHeads: known };
  const result =
    opened.kind === 'document'
      ? await verifyExport(opened.document, options)
      : await verifyExportStream(opened.header, opened.entries, options);
  for (const finding of result.findings) output.err(`${finding.code}: ${finding.message}`);
  if (result.ok) {
    output.err(
      `OK: ${result.entries} entries (${result.scope ?? '?'}) against the signed tree head of ${result.treeSize ?? '?'} entries`,
    );
  }
  output.out(JSON.stringify(result));
  return result.ok ? 0 : 1;
}
