// `npm run images:check [-- --image <name>] [--service <name>]...`: starts the image once per
// service against a throw-away Kafka and PostgreSQL (see lib/check.ts) and fails unless every
// one migrates and answers its health probes. The image defaults to the one `images:build`
// makes from the current commit.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { checkImage, checkImageConfig } from './lib/check';
import { secondsSince } from './lib/exec';
import { defaultTag, imageName } from './lib/names';
import { ensureContainerTools } from './lib/tools';

const root = resolve(__dirname, '..', '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      image: { type: 'string' },
      service: { type: 'string', multiple: true },
    },
  });
  const log = (message: string): void => {
    process.stdout.write(`[images:check] ${message}\n`);
  };
  const started = performance.now();
  ensureContainerTools(log);
  const image = values.image ?? imageName(undefined, defaultTag(root));
  log(`image ${image}`);
  const problems = checkImageConfig(image);
  for (const problem of problems) log(`image: FAILED: ${problem}`);
  if (problems.length === 0) log('image: ok (numeric non-root user, no shell, CA bundle)');
  const results = await checkImage({
    image,
    root,
    log,
    ...(values.service === undefined ? {} : { services: values.service }),
  });
  const failed = results.filter((result) => !result.ok);
  log(
    `${String(results.length - failed.length)} passed, ${String(failed.length)} failed` +
      ` (${secondsSince(started)} s)`,
  );
  return problems.length === 0 && failed.length === 0 && results.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[images:check] ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
