import { describe, expect, it } from 'vitest';
import { fillMonths, fitLabel, lastMonths, layoutBars, monthLabel, monthsBetween, niceMax, rangeFromQuery, ticks, timeliness } from './chart';

describe('report chart shaping', () => {
  it('rounds the axis up to 1, 2 or 5 × 10ⁿ', () => {
    expect([0, 1, 3, 7, 10, 11, 23, 180, 501].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 50, 200, 1000]);
    expect(ticks(5)).toEqual([0, 2, 4, 5]);
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(1)).toEqual([0, 1]);
  });

  it('fills the empty months of the range, across a year end', () => {
    expect(monthsBetween('2025-11-15', '2026-02-03')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(fillMonths([{ key: '2026-01', count: 4 }], '2025-11-01', '2026-02-28')).toEqual([
      { key: '2025-11', count: 0 },
      { key: '2025-12', count: 0 },
      { key: '2026-01', count: 4 },
      { key: '2026-02', count: 0 },
    ]);
    expect(monthLabel('2026-01')).toBe('01/2026');
  });

  it('lays the bars out in proportion inside the plot', () => {
    const { bars, max, plot } = layoutBars(
      [
        { key: 'a', value: 2 },
        { key: 'b', value: 10 },
        { key: 'c', value: 0 },
      ],
      300,
      140,
    );
    expect(max).toBe(10);
    expect(bars.map((b) => Math.round(b.height))).toEqual([Math.round(plot.height * 0.2), plot.height, 0]);
    for (const b of bars) expect(b.y + b.height).toBeCloseTo(plot.top + plot.height);
    expect(bars[0]!.x).toBeLessThan(bars[1]!.x);
    expect(bars[2]!.x + bars[2]!.width).toBeLessThanOrEqual(plot.left + plot.width);
    expect(layoutBars([], 300, 140).bars).toEqual([]);
  });

  it('gives on time against late in whole percentages', () => {
    expect(timeliness(0, 0)).toBeNull();
    expect(timeliness(2, 1)).toEqual({ onTime: 67, late: 33 });
    expect(timeliness(0, 4)).toEqual({ onTime: 0, late: 100 });
  });

  it('defaults the report to the last six months', () => {
    expect(lastMonths('2026-03-20')).toEqual({ since: '2025-10-01', until: '2026-03-20' });
    expect(lastMonths('2026-11-22', 1)).toEqual({ since: '2026-11-01', until: '2026-11-22' });
    expect(rangeFromQuery(new URLSearchParams('since=2026-01-01&until=bad'), '2026-11-22')).toEqual({ since: '2026-01-01', until: '2026-11-22' });
  });
});

describe('bar labels', () => {
  it('are cut to the width of their slot', () => {
    expect(fitLabel('Đăng ký khai sinh', 200)).toBe('Đăng ký khai sinh');
    expect(fitLabel('Liên thông đăng ký khai sinh, đăng ký thường trú', 65)).toBe('Liên thôn…');
    expect(fitLabel('abcdef', 1)).toBe('ab…');
  });
});
