// `npm run audit:verify -- <export.json> --jwks <jwks.json> [--known <tree-head.json>]...`:
// checks an export of the audit log offline (see verify-cli.ts and services/audit/README.md).
import { runVerify } from './verify-cli';

void runVerify(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => {
  process.exitCode = code;
});
