// The chart's checks must be able to fail: each is run here against a deliberate error.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHART_DIR, HELM, HELM_UNITTEST, SITE_VALUES } from './paths';

function helmLint(chartDir: string, valuesFile: string, set: readonly string[] = []) {
  return spawnSync(
    HELM,
    ['lint', '--strict', chartDir, '--values', valuesFile, ...set.flatMap((s) => ['--set', s])],
    { encoding: 'utf8' },
  );
}

/** A throw-away copy of the chart, to break. */
function chartCopy(): { dir: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'backbone-chart-'));
  const dir = join(root, 'backbone');
  cpSync(CHART_DIR, dir, { recursive: true });
  return {
    dir,
    remove: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

describe('helm lint --strict', () => {
  it.each(['primary', 'embassy'] as const)('passes with the %s site values', (site) => {
    const result = helmLint(CHART_DIR, SITE_VALUES[site]);
    expect([result.status, result.stderr]).toEqual([0, '']);
  });

  it('fails on a key the schema does not know', () => {
    const result = helmLint(CHART_DIR, SITE_VALUES.primary, ['services.registry.replicaz=2']);
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain("additional properties 'replicaz' not allowed");
  });
});

describe('helm-unittest', () => {
  it('fails when a template breaks what a suite asserts', () => {
    const copy = chartCopy();
    try {
      // Put the chart version into the pods' selector: what an upgrade can never change.
      const helpers = join(copy.dir, 'templates', '_helpers.tpl');
      writeFileSync(
        helpers,
        readFileSync(helpers, 'utf8').replace(
          'app.kubernetes.io/component: {{ .name }}\n{{- end -}}',
          'app.kubernetes.io/component: {{ .name }}\nhelm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version }}\n{{- end -}}',
        ),
      );
      const result = spawnSync(HELM_UNITTEST, [copy.dir], { encoding: 'utf8' });
      expect(result.status).not.toBe(0);
      expect(result.stdout).toContain('selects pods without the chart version');
    } finally {
      copy.remove();
    }
  });
});

describe('the README check', () => {
  const readmeCheck = (chartDir: string) =>
    spawnSync(
      process.execPath,
      [
        '--require',
        require.resolve('@swc-node/register'),
        join(__dirname, 'readme.ts'),
        '--check',
        '--chart',
        chartDir,
      ],
      { encoding: 'utf8' },
    );

  it('passes for the chart as committed', () => {
    const result = readmeCheck(CHART_DIR);
    expect([result.status, result.stderr]).toEqual([0, '']);
  });

  it('finds the README out of date when a description in the schema changes', () => {
    const copy = chartCopy();
    try {
      const schemaFile = join(copy.dir, 'values.schema.json');
      writeFileSync(
        schemaFile,
        readFileSync(schemaFile, 'utf8').replace('Deploys this service.', 'Deploys it.'),
      );
      const result = readmeCheck(copy.dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('is out of date');
    } finally {
      copy.remove();
    }
  });
});
