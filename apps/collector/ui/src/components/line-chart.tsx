// A small SVG time-series chart: a few series on one time axis, a zero-based y axis with nice ticks, a hover rule
// with the values at the nearest time. Hand-written so the bundle stays small and every label is plain text.
import { useEffect, useRef, useState } from 'preact/hooks';

export interface ChartPoint {
  t: number;
  v: number | undefined;
}

export interface ChartSeries {
  name: string;
  color: string;
  points: ChartPoint[];
  dashed?: boolean;
}

interface Props {
  title: string;
  series: ChartSeries[];
  format: (value: number) => string;
  height?: number;
  /** The y axis reaches at least this value (e.g. 0.05 for an error ratio, so 0.1% does not fill the chart). */
  minYMax?: number;
  testId?: string;
}

const PAD = { left: 52, right: 14, top: 12, bottom: 24 };

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const nice = residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1;
  return nice * magnitude;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function timeLabel(t: number, spanMs: number): string {
  const d = new Date(t);
  const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return spanMs > 15 * 60_000 ? hm : `${hm}:${pad2(d.getSeconds())}`;
}

export function LineChart({ title, series, format, height = 170, minYMax = 0, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(480);
  const [hover, setHover] = useState<number | undefined>(undefined);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w) setWidth((prev) => (Math.abs(w - prev) > 1 ? Math.floor(w) : prev));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  const values = series.flatMap((s) => s.points.map((p) => p.v)).filter((v): v is number => v !== undefined);
  const hasData = times.length > 0 && values.length > 0;

  let t0 = times[0] ?? 0;
  let t1 = times[times.length - 1] ?? 1;
  if (t1 - t0 < 1000) {
    t0 -= 30_000;
    t1 += 30_000;
  }
  const rawMax = Math.max(minYMax, ...values, 0);
  const step = rawMax > 0 ? niceStep(rawMax, 4) : 1;
  const yMax = rawMax > 0 ? Math.ceil(rawMax / step) * step : 1;
  const innerW = Math.max(10, width - PAD.left - PAD.right);
  const innerH = height - PAD.top - PAD.bottom;
  const x = (t: number): number => PAD.left + ((t - t0) / (t1 - t0)) * innerW;
  const y = (v: number): number => PAD.top + innerH - (v / yMax) * innerH;

  const yTicks: number[] = [];
  for (let v = 0; v <= yMax + step / 2; v += step) yTicks.push(v);
  const xTickCount = Math.max(2, Math.min(6, Math.floor(innerW / 110)));
  const xTicks = Array.from({ length: xTickCount }, (_, i) => t0 + ((t1 - t0) * i) / (xTickCount - 1));

  const pathOf = (points: ChartPoint[]): string => {
    let d = '';
    let pen = false;
    for (const p of points) {
      if (p.v === undefined) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
      pen = true;
    }
    return d;
  };

  const onMove = (event: MouseEvent): void => {
    const rect = (event.currentTarget as SVGElement).getBoundingClientRect();
    const px = event.clientX - rect.left;
    let best: number | undefined;
    for (const t of times) if (best === undefined || Math.abs(x(t) - px) < Math.abs(x(best) - px)) best = t;
    setHover(best);
  };

  const hoverValues = hover === undefined ? [] : series.map((s) => ({ s, v: s.points.find((p) => p.t === hover)?.v }));
  const hoverLeft = hover === undefined ? 0 : x(hover);

  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="legend">
          {series.map((s) => (
            <span key={s.name} class="legend-item">
              <span class={`swatch${s.dashed ? ' dashed' : ''}`} style={{ borderColor: s.color }} />
              {s.name}
            </span>
          ))}
        </span>
      </figcaption>
      <div class="chart-box" ref={box}>
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={title}
          onMouseMove={hasData ? onMove : undefined}
          onMouseLeave={() => setHover(undefined)}
        >
          {yTicks.map((v) => (
            <g key={v}>
              <line class="grid" x1={PAD.left} x2={PAD.left + innerW} y1={y(v)} y2={y(v)} />
              <text class="axis" x={PAD.left - 6} y={y(v) + 4} text-anchor="end">
                {format(v)}
              </text>
            </g>
          ))}
          {hasData
            ? xTicks.map((t, i) => (
                <text
                  key={t}
                  class="axis"
                  x={x(t)}
                  y={height - 6}
                  text-anchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}
                >
                  {timeLabel(t, t1 - t0)}
                </text>
              ))
            : null}
          {series.map((s) => (
            <g key={s.name}>
              <path
                d={pathOf(s.points)}
                fill="none"
                style={{ stroke: s.color }}
                stroke-width="2"
                stroke-dasharray={s.dashed ? '5 4' : undefined}
                stroke-linejoin="round"
              />
              {s.points.length <= 40
                ? s.points.map((p) =>
                    p.v === undefined ? null : (
                      <circle key={p.t} cx={x(p.t)} cy={y(p.v)} r="2.5" style={{ fill: s.color }} />
                    ),
                  )
                : null}
            </g>
          ))}
          {hover !== undefined ? (
            <line class="hover-rule" x1={hoverLeft} x2={hoverLeft} y1={PAD.top} y2={PAD.top + innerH} />
          ) : null}
          {!hasData ? (
            <text class="axis" x={PAD.left + innerW / 2} y={PAD.top + innerH / 2} text-anchor="middle">
              No data yet
            </text>
          ) : null}
        </svg>
        {hover !== undefined ? (
          <div
            class="chart-tip"
            style={{ left: `${Math.min(hoverLeft + 10, width - 170)}px`, top: `${PAD.top}px` }}
            data-testid="chart-tip"
          >
            <div class="muted small">{new Date(hover).toLocaleTimeString()}</div>
            {hoverValues.map(({ s, v }) => (
              <div key={s.name}>
                <span class="dot" style={{ background: s.color }} /> {s.name}:{' '}
                <b>{v === undefined ? '–' : format(v)}</b>
              </div>
            ))}
          </div>
        ) : null}
      </div>
    </figure>
  );
}
