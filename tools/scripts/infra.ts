// `npm run infra -- <command>`: the local infrastructure on its own, for operators and for
// debugging. Commands:
//   fetch   resolve the Kafka jars from Maven Central into .cache (what CI runs up front)
//   up      start (or reuse) the primary site's Kafka and PostgreSQL in the background
//   down    stop them
//   status  show what runs
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  CREDENTIALS_FILE,
  cacheDir,
  ensureKafkaJars,
  findPostgresBinaries,
  isAlive,
  kafkaVersion,
  startSite,
  stopProcess,
} from '@gov/platform-infra';

import { portFromEnv } from './lib/env';
import { requireNode24 } from './lib/node-version';

const out = (message: string): void => {
  process.stdout.write(`${message}\n`);
};

const sitePorts = () => ({
  kafka: portFromEnv('KAFKA_PORT', 19092),
  kafkaController: portFromEnv('KAFKA_CONTROLLER_PORT', 19093),
  postgres: portFromEnv('POSTGRES_PORT', 15432),
});

function components(site: string): { name: string; stateFile: string; signal: NodeJS.Signals }[] {
  const dir = join(cacheDir(), 'sites', site);
  return [
    { name: 'kafka', stateFile: join(dir, 'kafka', 'node.json'), signal: 'SIGTERM' },
    { name: 'postgres', stateFile: join(dir, 'postgres', 'node.json'), signal: 'SIGINT' },
  ];
}

function runningPid(stateFile: string): number | undefined {
  if (!existsSync(stateFile)) return undefined;
  const { pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
  return isAlive(pid) ? pid : undefined;
}

async function main(command: string | undefined, site: string): Promise<void> {
  requireNode24();
  switch (command) {
    case 'fetch': {
      out(`Kafka ${kafkaVersion()} class path: ${ensureKafkaJars()}`);
      const pg = findPostgresBinaries();
      out(`PostgreSQL binaries: ${pg.binDir} (${pg.source})`);
      return;
    }
    case 'up': {
      const started = await startSite({
        name: site,
        role: site === 'embassy' ? 'embassy' : 'primary',
        ports: sitePorts(),
        portVariables: { kafka: 'KAFKA_PORT', postgres: 'POSTGRES_PORT' },
      });
      out(
        `Kafka      ${started.kafka.bootstrap} (pid ${started.kafka.pid}, log ${started.kafka.logFile})`,
      );
      out(
        `           SASL/SCRAM-SHA-512; passwords of the admin and every KafkaUser in ${join(started.dir, 'kafka', CREDENTIALS_FILE)}`,
      );
      out(
        `PostgreSQL ${started.postgres.url()} (pid ${started.postgres.pid}, log ${started.postgres.logFile})`,
      );
      return;
    }
    case 'down': {
      for (const component of components(site)) {
        const pid = runningPid(component.stateFile);
        if (pid !== undefined) {
          await stopProcess(pid, component.signal);
          out(`${component.name} stopped (pid ${pid})`);
        }
      }
      return;
    }
    case 'status': {
      for (const component of components(site)) {
        const pid = runningPid(component.stateFile);
        out(
          `${component.name.padEnd(9)} ${pid === undefined ? 'not running' : `running (pid ${pid})`}`,
        );
      }
      return;
    }
    default:
      out('usage: npm run infra -- fetch|up|down|status [--site primary]');
      process.exitCode = command === undefined ? 0 : 2;
  }
}

const args = process.argv.slice(2);
const siteIndex = args.indexOf('--site');
const siteName = siteIndex >= 0 ? (args[siteIndex + 1] ?? 'primary') : 'primary';
main(args[0], siteName).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
