// Shaping report counts for the bar charts. The charts are hand-written SVG: a
// dozen bars need no charting package, and the desk chunk stays small for commune
// offices on slow links (a library would be 40–200 KB gzipped for the same bars).

export interface Bar {
  key: string;
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BarLayout {
  bars: Bar[];
  /** The width each bar's slot has, for fitting its label. */
  slot: number;
  max: number;
  ticks: number[];
  /** The plot area inside the SVG (left margin for the tick labels, bottom for the bar labels). */
  plot: { left: number; top: number; width: number; height: number };
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `n` (at least 1), so the axis reads well. */
export function niceMax(n: number): number {
  if (!(n > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

/** Evenly spaced whole ticks from 0 to `max`, at most `count + 1` of them. */
export function ticks(max: number, count = 4): number[] {
  const step = Math.max(1, Math.ceil(max / count));
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  if (out[out.length - 1] !== max) out.push(max);
  return out;
}

/** "YYYY-MM" of every month from `since` to `until` (ISO dates), oldest first. */
export function monthsBetween(since: string, until: string): string[] {
  const [sy, sm] = since.split('-').map(Number) as [number, number];
  const [uy, um] = until.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let y = sy, m = sm; y < uy || (y === uy && m <= um); m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    if (out.length > 240) break; // twenty years is more than any report asks for
  }
  return out;
}

/** Counts by month with the empty months of the range filled in as 0. */
export function fillMonths(counts: readonly { key: string; count: number }[], since: string, until: string): { key: string; count: number }[] {
  const byKey = new Map(counts.map((c) => [c.key, c.count]));
  const months = monthsBetween(since, until);
  const extra = counts.filter((c) => !months.includes(c.key)).map((c) => c.key);
  return [...months, ...extra].sort().map((key) => ({ key, count: byKey.get(key) ?? 0 }));
}

/** Bars for `items` in a `width` × `height` SVG. */
export function layoutBars(items: readonly { key: string; label?: string; value: number }[], width: number, height: number): BarLayout {
  // Room above for the tallest bar's value, below for the bar labels.
  const plot = { left: 36, top: 18, width: Math.max(10, width - 44), height: Math.max(10, height - 50) };
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const slot = items.length ? plot.width / items.length : plot.width;
  const barWidth = Math.max(2, Math.min(48, slot * 0.7));
  const bars = items.map((item, i) => {
    const h = (Math.max(0, item.value) / max) * plot.height;
    return {
      key: item.key,
      label: item.label ?? item.key,
      value: item.value,
      x: plot.left + i * slot + (slot - barWidth) / 2,
      y: plot.top + plot.height - h,
      width: barWidth,
      height: h,
    };
  });
  return { bars, slot, max, ticks: ticks(max), plot };
}

/** On time against late, as whole percentages that add up to 100 (or null when none finished). */
export function timeliness(onTime: number, late: number): { onTime: number; late: number } | null {
  const total = onTime + late;
  if (!total) return null;
  const pct = Math.round((onTime / total) * 100);
  return { onTime: pct, late: 100 - pct };
}

/** "2026-11" → "11/2026". */
export function monthLabel(key: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  return m ? `${m[2]}/${m[1]}` : key;
}

/** The report's default range: from the first day of the month `months - 1` months ago to `today`. */
export function lastMonths(today: string, months = 6): { since: string; until: string } {
  const [y, m] = today.split('-').map(Number) as [number, number];
  const back = y * 12 + (m - 1) - (months - 1);
  const since = `${Math.floor(back / 12)}-${String((back % 12) + 1).padStart(2, '0')}-01`;
  return { since, until: today };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The report range from the hash's query, the default for what is missing or malformed. */
export function rangeFromQuery(query: URLSearchParams, today: string): { since: string; until: string } {
  const fallback = lastMonths(today);
  const since = query.get('since') ?? '';
  const until = query.get('until') ?? '';
  return { since: ISO_DATE.test(since) ? since : fallback.since, until: ISO_DATE.test(until) ? until : fallback.until };
}

/** `label` cut to what fits in `width` SVG units at about 6.5 units a character. */
export function fitLabel(label: string, width: number): string {
  const room = Math.max(3, Math.floor(width / 6.5));
  return label.length > room ? `${label.slice(0, room - 1)}…` : label;
}
