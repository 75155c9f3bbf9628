// `npm run -s agency:feed -- <organisation id>`: follows an agency's change feed on the local
// platform (`npm start`) as that agency would, with its own Kafka user, and prints each change as
// one JSON line (a tombstone as {"recordId", "erased": true}). Ctrl-C stops it.
//
//   --site primary|embassy   which local site's cluster (default primary)
//   --group <id>             consumer group, under the agency's prefix (default <agency>.cli)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { toJson } from '@bufbuild/protobuf';

import { RecordChangeSchema } from '@gov/contracts';
import { cacheDir } from '@gov/platform-infra';

import { portFromEnv } from '../scripts/lib/env';
import { readAgencyFeed } from './feed-reader';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { site: { type: 'string', default: 'primary' }, group: { type: 'string' } },
  });
  const agency = positionals[0];
  if (agency === undefined || !/^[a-z0-9][a-z0-9-]*$/.test(agency)) {
    throw new Error('usage: npm run -s agency:feed -- <organisation id> [--site embassy]');
  }
  const site = values.site === 'embassy' ? 'embassy' : 'primary';
  const port =
    site === 'primary'
      ? portFromEnv('KAFKA_PORT', 19092)
      : portFromEnv('EMBASSY_KAFKA_PORT', 29092);
  const credentialsFile = join(cacheDir(), 'sites', site, 'kafka', 'credentials.json');
  const { users } = JSON.parse(readFileSync(credentialsFile, 'utf8')) as {
    users: Record<string, string>;
  };
  const password = users[`agency-${agency}`];
  if (password === undefined) {
    throw new Error(
      `${agency} has no Kafka user on the ${site} site (no agency-${agency} in k8s/common/users.yaml)`,
    );
  }
  const reader = await readAgencyFeed({
    brokers: [`127.0.0.1:${String(port)}`],
    agency,
    password,
    groupId: values.group ?? `${agency}.cli`,
    onMessage: (recordId, change) => {
      const line =
        change === null ? { recordId, erased: true } : toJson(RecordChangeSchema, change);
      process.stdout.write(`${JSON.stringify(line)}\n`);
    },
  });
  process.stderr.write(`[agency:feed] reading registry.changes.${agency}.v1 as agency-${agency}\n`);
  process.once('SIGINT', () => {
    void reader.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`[agency:feed] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
