// Counts over time as stacked bars (e.g. log records per level). Gaps in the data show as gaps.
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatClock } from '../time.js';

export interface HistogramLayer {
  name: string;
  className: string;
  times: number[];
}

const PAD = { left: 36, right: 8, top: 6, bottom: 18 };

export function Histogram({
  layers,
  height = 90,
  buckets = 48,
  testId,
}: {
  layers: HistogramLayer[];
  height?: number;
  buckets?: number;
  testId?: string;
}) {
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

  const all = layers.flatMap((l) => l.times);
  if (all.length === 0) return null;
  let t0 = Math.min(...all);
  let t1 = Math.max(...all);
  if (t1 - t0 < 1000) {
    t0 -= 500;
    t1 += 500;
  }
  const size = (t1 - t0) / buckets;
  const index = (t: number): number => Math.min(buckets - 1, Math.floor((t - t0) / size));
  const counts = layers.map((layer) => {
    const c = new Array<number>(buckets).fill(0);
    for (const t of layer.times) c[index(t)]! += 1;
    return c;
  });
  const totals = Array.from({ length: buckets }, (_, b) => counts.reduce((sum, c) => sum + c[b]!, 0));
  const max = Math.max(1, ...totals);
  const innerW = Math.max(10, width - PAD.left - PAD.right);
  const innerH = height - PAD.top - PAD.bottom;
  const barW = innerW / buckets;

  return (
    <div class="histogram card" ref={box} data-testid={testId}>
      <svg width={width} height={height} role="img" aria-label="Records over time">
        <text class="axis" x={PAD.left - 6} y={PAD.top + 8} text-anchor="end">
          {max}
        </text>
        <text class="axis" x={PAD.left - 6} y={PAD.top + innerH} text-anchor="end">
          0
        </text>
        <line class="grid" x1={PAD.left} x2={PAD.left + innerW} y1={PAD.top + innerH} y2={PAD.top + innerH} />
        {totals.map((_, b) => {
          let y = PAD.top + innerH;
          return (
            <g key={b}>
              {layers.map((layer, l) => {
                const n = counts[l]![b]!;
                if (n === 0) return null;
                const h = (n / max) * innerH;
                y -= h;
                return (
                  <rect
                    key={layer.name}
                    class={layer.className}
                    x={PAD.left + b * barW + 1}
                    y={y}
                    width={Math.max(1, barW - 2)}
                    height={h}
                  >
                    <title>{`${layer.name}: ${n}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        <text class="axis" x={PAD.left} y={height - 4}>
          {formatClock(t0)}
        </text>
        <text class="axis" x={PAD.left + innerW} y={height - 4} text-anchor="end">
          {formatClock(t1)}
        </text>
      </svg>
    </div>
  );
}
