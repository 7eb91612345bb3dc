// Traces as dots: time on x, duration on y, errors in red. Slow outliers and error bursts stand out at a glance;
// clicking a dot opens the trace.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { TraceSummary } from '../api.js';
import { href } from '../router.js';
import { formatClock, formatDuration } from '../time.js';

const PAD = { left: 60, right: 14, top: 10, bottom: 22 };

export function TraceScatter({ traces, height = 150 }: { traces: TraceSummary[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w) setWidth((prev) => (Math.abs(prev - w) > 1 ? Math.floor(w) : prev));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const points = traces.filter((t) => t.startTime !== undefined && t.durationMs !== undefined);
  if (points.length === 0) return null;
  let t0 = Math.min(...points.map((p) => p.startTime!));
  let t1 = Math.max(...points.map((p) => p.startTime!));
  if (t1 - t0 < 1000) {
    t0 -= 30_000;
    t1 += 30_000;
  }
  const dMax = Math.max(1, ...points.map((p) => p.durationMs!)) * 1.1;
  const innerW = Math.max(10, width - PAD.left - PAD.right);
  const innerH = height - PAD.top - PAD.bottom;
  const x = (t: number): number => PAD.left + ((t - t0) / (t1 - t0)) * innerW;
  const y = (d: number): number => PAD.top + innerH - (d / dMax) * innerH;
  const ticks = [0, dMax / 2, dMax];

  return (
    <div class="scatter card" ref={box} data-testid="trace-scatter">
      <svg width={width} height={height} role="img" aria-label="Trace durations over time">
        {ticks.map((d) => (
          <g key={d}>
            <line class="grid" x1={PAD.left} x2={PAD.left + innerW} y1={y(d)} y2={y(d)} />
            <text class="axis" x={PAD.left - 6} y={y(d) + 4} text-anchor="end">
              {formatDuration(d)}
            </text>
          </g>
        ))}
        <text class="axis" x={PAD.left} y={height - 6}>
          {formatClock(t0)}
        </text>
        <text class="axis" x={PAD.left + innerW} y={height - 6} text-anchor="end">
          {formatClock(t1)}
        </text>
        {points.map((p) => (
          <a key={p.traceId} href={href(['traces', p.traceId])}>
            <circle
              class={`dot-point${p.status === 'error' ? ' is-error' : ''}`}
              cx={x(p.startTime!)}
              cy={y(p.durationMs!)}
              r={Math.min(9, 3 + Math.sqrt(p.spanCount ?? 1))}
            >
              <title>{`${p.rootName} · ${formatDuration(p.durationMs)} · ${p.spanCount ?? '?'} spans`}</title>
            </circle>
          </a>
        ))}
      </svg>
    </div>
  );
}
