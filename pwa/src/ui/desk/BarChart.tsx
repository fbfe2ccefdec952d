// A bar chart in plain SVG (see desk/chart.ts for why no charting package).

import { fitLabel, layoutBars } from '../../desk/chart';

interface Props {
  title: string;
  items: { key: string; label?: string; value: number }[];
  width?: number;
  height?: number;
  testid?: string;
}

export function BarChart({ title, items, width = 640, height = 220, testid }: Props) {
  const { bars, slot, ticks, max, plot } = layoutBars(items, width, height);
  const y = (v: number) => plot.top + plot.height - (v / max) * plot.height;
  const labelEvery = Math.max(1, Math.ceil(bars.length / 12));
  return (
    <figure class="chart" data-testid={testid}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
        {ticks.map((v) => (
          <g key={v} class="tick">
            <line x1={plot.left} x2={plot.left + plot.width} y1={y(v)} y2={y(v)} />
            <text x={plot.left - 6} y={y(v) + 4} text-anchor="end">
              {v}
            </text>
          </g>
        ))}
        {bars.map((b, i) => (
          <g key={b.key} class="bar" data-key={b.key} data-value={b.value}>
            <rect x={b.x} y={b.y} width={b.width} height={b.height} rx={2}>
              <title>{`${b.label}: ${b.value}`}</title>
            </rect>
            {b.value > 0 && (
              <text class="value" x={b.x + b.width / 2} y={b.y - 3} text-anchor="middle">
                {b.value}
              </text>
            )}
            {i % labelEvery === 0 && (
              <text class="label" x={b.x + b.width / 2} y={plot.top + plot.height + 16} text-anchor="middle">
                {fitLabel(b.label, slot * labelEvery)}
              </text>
            )}
          </g>
        ))}
        <line class="axis" x1={plot.left} x2={plot.left + plot.width} y1={plot.top + plot.height} y2={plot.top + plot.height} />
      </svg>
    </figure>
  );
}

/** On time against late as one stacked bar, with the numbers beside it. */
export function TimelinessBar({ onTime, late, label }: { onTime: number; late: number; label: (onTimePct: number, latePct: number) => string }) {
  const total = onTime + late;
  const pct = total ? Math.round((onTime / total) * 100) : 0;
  return (
    <div class="timeliness" data-testid="desk-timeliness">
      <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={label(pct, 100 - pct)}>
        <rect class="on-time" x={0} y={0} width={total ? pct : 0} height={8} />
        <rect class="late" x={total ? pct : 0} y={0} width={total ? 100 - pct : 100} height={8} />
        {/* Two dark segments apart by a white gap: each stands 3:1 against white (WCAG 1.4.11). */}
        {pct > 0 && pct < 100 && <rect class="gap" x={pct - 0.75} y={0} width={1.5} height={8} />}
      </svg>
      <p class="small">{label(pct, 100 - pct)}</p>
    </div>
  );
}
