// The TypeScript of the contracts (libs/contracts/src/gen) is a git-ignored build product. Nx
// targets generate it through their `generate` dependency; the npm script entries (start, drill,
// token, infra, test) run outside Nx and import it at load time, so they ensure it first (see
// ../ensure-contracts.ts). A fingerprint of the inputs, stored beside the output, makes the
// check cheap and catches a stale output after a `git pull` that changed proto/, which an
// install-time hook (postinstall, prepare) would miss.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where the generated contracts go, relative to the repository root. */
export const CONTRACTS_OUT = join('libs', 'contracts', 'src', 'gen');
/** The fingerprint file inside {@link CONTRACTS_OUT}. */
export const FINGERPRINT_FILE = '.inputs-sha256';

/**
 * A hash of everything the generated code depends on: every file under proto/ (the baseline
 * image included; harmless) and the version of the generator plugin.
 */
export function contractsFingerprint(root: string): string {
  const hash = createHash('sha256');
  const files = listFiles(join(root, 'proto')).sort();
  for (const file of files) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const plugin = join(root, 'node_modules', '@bufbuild', 'protoc-gen-es', 'package.json');
  if (existsSync(plugin)) hash.update(readFileSync(plugin));
  return hash.digest('hex');
}

/** Runs `buf generate` with the workspace's template; throws with a hint when it fails. */
export function runBufGenerate(root: string): void {
  const buf = join(root, 'node_modules', '.bin', 'buf');
  if (!existsSync(buf)) {
    throw new Error(`${buf} is missing: run npm ci first`);
  }
  const result = spawnSync(buf, ['generate', 'proto', '--template', 'proto/buf.gen.yaml'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`buf generate failed (exit ${String(result.status)})`);
  }
}

/**
 * Generates the contracts unless the output exists and was generated from the current inputs.
 * Returns whether it generated.
 */
export function ensureContracts(
  root: string,
  generate: (root: string) => void = runBufGenerate,
): boolean {
  const fingerprintFile = join(root, CONTRACTS_OUT, FINGERPRINT_FILE);
  const wanted = contractsFingerprint(root);
  if (existsSync(fingerprintFile) && readFileSync(fingerprintFile, 'utf8').trim() === wanted) {
    return false;
  }
  generate(root);
  // buf's `clean: true` empties the output folder first, so the fingerprint goes in after it.
  writeFileSync(fingerprintFile, `${wanted}\n`);
  return true;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : entry.isFile() ? [path] : [];
  });
}
