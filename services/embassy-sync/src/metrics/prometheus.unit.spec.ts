import { Registry } from 'prom-client';

import { parseExposition } from '../testing/exposition-parser';
import { exposeFamilies, renderExposition } from './prometheus';
import type { MetricFamily } from './prometheus';

const lag = (registryLag: number): MetricFamily[] => [
  {
    name: 'embassy_sync_lag_events',
    help: 'Events the embassy does not hold yet.',
    type: 'gauge',
    labelNames: ['service', 'topic'],
    samples: [
      { labels: { service: 'registry', topic: 'registry.events.v1' }, value: registryLag },
      { labels: { service: 'consent', topic: 'consent.events.v1' }, value: 0 },
    ],
  },
  {
    name: 'embassy_sync_checkpoint_bad_signatures_total',
    help: 'Refused checkpoints.',
    type: 'counter',
    labelNames: [],
    samples: [{ value: 3 }],
  },
];

describe('Prometheus exposition of snapshot families (prom-client)', () => {
  it('writes HELP, TYPE and one line per sample, with the names, labels and values given', async () => {
    const text = await renderExposition(lag(12));

    expect(text).toContain(
      [
        '# HELP embassy_sync_lag_events Events the embassy does not hold yet.',
        '# TYPE embassy_sync_lag_events gauge',
        'embassy_sync_lag_events{service="registry",topic="registry.events.v1"} 12',
        'embassy_sync_lag_events{service="consent",topic="consent.events.v1"} 0',
      ].join('\n'),
    );
    expect(text).toContain(
      [
        '# HELP embassy_sync_checkpoint_bad_signatures_total Refused checkpoints.',
        '# TYPE embassy_sync_checkpoint_bad_signatures_total counter',
        'embassy_sync_checkpoint_bad_signatures_total 3',
      ].join('\n'),
    );
    const parsed = parseExposition(text);
    expect(parsed.get('embassy_sync_checkpoint_bad_signatures_total')?.type).toBe('counter');
  });

  it('reads the families again at every scrape, so a sample that went away is gone', async () => {
    const registry = new Registry();
    let families = lag(12);
    exposeFamilies(registry, () => families);
    expect(await registry.metrics()).toContain('service="registry",topic="registry.events.v1"} 12');

    families = lag(5).map((family) =>
      family.name === 'embassy_sync_lag_events'
        ? { ...family, samples: family.samples.slice(0, 1) }
        : family,
    );
    await new Promise((resolve) => setImmediate(resolve));
    const text = await registry.metrics();
    expect(text).toContain('service="registry",topic="registry.events.v1"} 5');
    expect(text).not.toContain('service="consent"');
  });

  it('escapes label values and help text', async () => {
    const text = await renderExposition([
      {
        name: 'x',
        help: 'a \\ b\nc',
        type: 'gauge',
        labelNames: ['detail'],
        samples: [
          { labels: { detail: 'say "hi"\\\nbye' }, value: 1 },
          { labels: { detail: 'up' }, value: Number.POSITIVE_INFINITY },
          { labels: { detail: 'down' }, value: -0.25 },
        ],
      },
    ]);

    expect(text).toContain('# HELP x a \\\\ b\\nc\n');
    expect(text).toContain('x{detail="up"} +Inf\n');
    expect(text).toContain('x{detail="down"} -0.25\n');
    const parsed = parseExposition(text).get('x');
    expect(parsed?.samples.map((sample) => sample.labels['detail'])).toEqual([
      'say "hi"\\\nbye',
      'up',
      'down',
    ]);
  });

  it('keeps a family without samples, so a scraper still knows it', async () => {
    const text = await renderExposition([
      { name: 'y', help: 'h', type: 'gauge', labelNames: [], samples: [] },
    ]);
    expect(text).toContain('# HELP y h\n# TYPE y gauge\n');
  });

  it.each([
    ['a metric name', { name: '1bad', labelNames: [] }],
    ['a label name', { name: 'ok', labelNames: ['bad-label'] }],
  ])('refuses an invalid %s', async (_, { name, labelNames }) => {
    await expect(
      Promise.resolve().then(() =>
        renderExposition([{ name, help: 'h', type: 'gauge', labelNames, samples: [] }]),
      ),
    ).rejects.toThrow();
  });
});
