// `npm run chart:readme` writes the values table into charts/backbone/README.md;
// `--check` exits 1 when the README is not what the schema and values.yaml make of it.
// `--chart DIR` works on another copy of the chart (the checks' own tests break one).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { load } from 'js-yaml';
import { format, resolveConfig } from 'prettier';

import { CHART_DIR } from './paths';
import { valueRows, valuesTable, withTable } from './values-table';
import type { JsonSchema } from './values-table';

/** The chart README as it should be, formatted as Prettier would (CI checks both). */
export async function expectedReadme(chartDir: string = CHART_DIR): Promise<string> {
  const readmeFile = join(chartDir, 'README.md');
  const schema = JSON.parse(
    readFileSync(join(chartDir, 'values.schema.json'), 'utf8'),
  ) as JsonSchema;
  const values = load(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const readme = withTable(
    readFileSync(readmeFile, 'utf8'),
    valuesTable(valueRows(schema, values)),
  );
  const options = (await resolveConfig(readmeFile)) ?? {};
  return format(readme, { ...options, filepath: readmeFile });
}

async function main(): Promise<void> {
  const chartFlag = process.argv.indexOf('--chart');
  const chartDir = chartFlag > 0 ? (process.argv[chartFlag + 1] ?? CHART_DIR) : CHART_DIR;
  const readmeFile = join(chartDir, 'README.md');
  const expected = await expectedReadme(chartDir);
  if (process.argv.includes('--check')) {
    if (readFileSync(readmeFile, 'utf8') !== expected) {
      process.stderr.write(
        `${readmeFile} is out of date with values.schema.json and values.yaml: run npm run chart:readme\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write('chart README: values table up to date\n');
    return;
  }
  writeFileSync(readmeFile, expected);
  process.stdout.write(`wrote the values table of ${readmeFile}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
