import { parseExposition } from '../testing/exposition-parser';
import { renderExposition } from './prometheus';

describe('Prometheus text exposition', () => {
  it('writes HELP, TYPE and one line per sample, ending with a line feed', () => {
    const text = renderExposition([
      {
        name: 'embassy_sync_lag_events',
        help: 'Events the embassy does not hold yet.',
        type: 'gauge',
        samples: [
          { labels: { service: 'registry', topic: 'registry.events.v1' }, value: 12 },
          { labels: { service: 'consent', topic: 'consent.events.v1' }, value: 0 },
        ],
      },
      {
        name: 'embassy_sync_checkpoint_bad_signatures_total',
        help: 'Refused checkpoints.',
        type: 'counter',
        samples: [{ value: 3 }],
      },
    ]);

    expect(text).toBe(
      [
        '# HELP embassy_sync_lag_events Events the embassy does not hold yet.',
        '# TYPE embassy_sync_lag_events gauge',
        'embassy_sync_lag_events{service="registry",topic="registry.events.v1"} 12',
        'embassy_sync_lag_events{service="consent",topic="consent.events.v1"} 0',
        '# HELP embassy_sync_checkpoint_bad_signatures_total Refused checkpoints.',
        '# TYPE embassy_sync_checkpoint_bad_signatures_total counter',
        'embassy_sync_checkpoint_bad_signatures_total 3',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and help text, and writes special values', () => {
    const text = renderExposition([
      {
        name: 'x',
        help: 'a \\ b\nc',
        type: 'gauge',
        samples: [
          { labels: { detail: 'say "hi"\\\nbye' }, value: Number.NaN },
          { labels: { detail: 'up' }, value: Number.POSITIVE_INFINITY },
          { labels: { detail: 'down' }, value: -0.25 },
        ],
      },
    ]);

    expect(text).toContain('# HELP x a \\\\ b\\nc\n');
    expect(text).toContain('x{detail="say \\"hi\\"\\\\\\nbye"} NaN\n');
    expect(text).toContain('x{detail="up"} +Inf\n');
    expect(text).toContain('x{detail="down"} -0.25\n');
    const parsed = parseExposition(text).get('x');
    expect(parsed?.samples.map((sample) => sample.labels['detail'])).toEqual([
      'say "hi"\\\nbye',
      'up',
      'down',
    ]);
  });

  it('keeps a family without samples, so a scraper still knows it', () => {
    expect(renderExposition([{ name: 'y', help: 'h', type: 'gauge', samples: [] }])).toBe(
      '# HELP y h\n# TYPE y gauge\n',
    );
  });

  it.each([
    ['a metric name', { name: '1bad', labels: {} }],
    ['a label name', { name: 'ok', labels: { 'bad-label': 'v' } }],
    ['a reserved label name', { name: 'ok', labels: { __name__: 'v' } }],
  ])('refuses an invalid %s', (_, { name, labels }) => {
    expect(() =>
      renderExposition([{ name, help: 'h', type: 'gauge', samples: [{ labels, value: 1 }] }]),
    ).toThrow(RangeError);
  });
});
