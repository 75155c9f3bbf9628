import { CHART, lagChartModel, lagChartSvg, niceCeiling, sampleRows } from './lag-chart';

const NOW = Date.parse('2026-11-22T09:15:00Z');
const at = (secondsAgo: number): string => new Date(NOW - secondsAgo * 1000).toISOString();

describe('niceCeiling', () => {
  it.each([
    [0, 100],
    [100, 100],
    [101, 200],
    [480, 500],
    [501, 1_000],
    [7_000, 10_000],
  ])('of %i is %i', (value, expected) => {
    expect(niceCeiling(value)).toBe(expected);
  });
});

describe('lagChartModel', () => {
  it('draws the samples of the window left to right, scaled to a round top', () => {
    const model = lagChartModel(
      [
        { at: at(300), events: 0, ms: 0 },
        { at: at(150), events: 4, ms: 400 },
        { at: at(0), events: 0, ms: 0 },
      ],
      NOW,
      5,
    );

    const bottom = CHART.height - CHART.bottom;
    const right = CHART.width - CHART.right;
    const middleX = (CHART.left + right) / 2;
    expect(model.yMax).toBe(500);
    expect(model.points).toBe(3);
    const top = bottom - (400 / 500) * (bottom - CHART.top);
    expect(model.d).toBe(
      `M${CHART.left.toFixed(1)} ${bottom.toFixed(1)} L${middleX.toFixed(1)} ${top.toFixed(1)} L${right.toFixed(1)} ${bottom.toFixed(1)}`,
    );
  });

  it('breaks the line at a sample without a known span and leaves out samples outside the window', () => {
    const model = lagChartModel(
      [
        { at: at(400), events: 9, ms: 9_000 },
        { at: at(200), events: 1, ms: 50 },
        { at: at(100), events: 3, ms: null },
        { at: at(50), events: 0, ms: 0 },
      ],
      NOW,
      5,
    );

    expect(model.yMax).toBe(100);
    expect(model.d.match(/M/g)).toHaveLength(2);
    expect(model.d).not.toContain('L');
    expect(model.points).toBe(2);
  });

  it('is empty without samples', () => {
    expect(lagChartModel([], NOW, 5)).toEqual({ d: '', yMax: 100, points: 0 });
  });
});

describe('lagChartSvg', () => {
  it('is an image named by the given elements, with escaped labels', () => {
    const svg = lagChartSvg(
      { d: 'M1.0 2.0' },
      { yTop: '<b>1</b>', yMiddle: '50 ms', yZero: '0', xStart: '−5 min', xEnd: 'now' },
      'registry',
      'a b',
    ).toString();

    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-labelledby="a b"');
    expect(svg).toContain('d="M1.0 2.0"');
    expect(svg).toContain('&lt;b&gt;1&lt;/b&gt;');
    expect(svg).not.toContain('<b>');
  });
});

describe('sampleRows', () => {
  it('keeps the worst sample of each run, stamped with the run’s end', () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({
      at: at(20 - i),
      events: i,
      ms: i === 3 ? 5_000 : i,
    }));

    const rows = sampleRows(samples, 2);

    expect(rows).toEqual([
      { at: at(11), events: 3, ms: 5_000 },
      { at: at(1), events: 19, ms: 19 },
    ]);
  });

  it('gives every sample when they fit', () => {
    expect(sampleRows([{ at: at(1), events: 1, ms: null }], 10)).toHaveLength(1);
  });
});
