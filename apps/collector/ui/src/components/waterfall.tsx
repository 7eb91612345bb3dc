// The trace waterfall: one row per span in tree order, a bar per span placed on the trace's time line, coloured by
// service; error spans are marked, events are ticks on their bar. Subtrees fold.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Span } from '../api.js';
import { serviceColor } from '../colors.js';
import { formatDuration } from '../time.js';

export interface WaterfallRow {
  span: Span;
  depth: number;
  childCount: number;
  orphan: boolean;
}

/** Orders spans depth first, children by start time; spans whose parent never arrived become extra roots. */
export function buildRows(spans: Span[]): WaterfallRow[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const span of spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId) {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span);
      children.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: Span, b: Span): number => a.startTime - b.startTime || a.name.localeCompare(b.name);
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (span: Span, depth: number): void => {
    if (seen.has(span.spanId)) return; // a malformed trace may contain a parent cycle
    seen.add(span.spanId);
    const kids = (children.get(span.spanId) ?? []).sort(byStart);
    rows.push({ span, depth, childCount: kids.length, orphan: depth === 0 && span.parentSpanId !== '' });
    for (const kid of kids) visit(kid, depth + 1);
  };
  for (const root of roots.sort(byStart)) visit(root, 0);
  return rows;
}

function eventOffset(time: number, span: Span): number {
  const f = (time - span.startTime) / Math.max(span.endTime - span.startTime, 0.001);
  return Math.min(100, Math.max(0, f * 100));
}

interface Props {
  spans: Span[];
  selected: string | undefined;
  onSelect: (spanId: string) => void;
  logCounts: Map<string, number>;
  /** Rendered right under the selected span's row. */
  renderDetail: (span: Span) => ComponentChildren;
}

export function Waterfall({ spans, selected, onSelect, logCounts, renderDetail }: Props) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const rows = buildRows(spans);
  const start = Math.min(...spans.map((s) => s.startTime));
  const end = Math.max(...spans.map((s) => s.endTime));
  const total = Math.max(end - start, 0.001);
  const pct = (t: number): number => ((t - start) / total) * 100;

  const visible: WaterfallRow[] = [];
  let hideBelow: number | undefined;
  for (const row of rows) {
    if (hideBelow !== undefined && row.depth > hideBelow) continue;
    hideBelow = collapsed.has(row.span.spanId) ? row.depth : undefined;
    visible.push(row);
  }

  const toggle = (spanId: string): void => {
    const next = new Set(collapsed);
    if (next.has(spanId)) next.delete(spanId);
    else next.add(spanId);
    setCollapsed(next);
  };

  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="waterfall card" data-testid="waterfall">
      <div class="wf-row wf-head">
        <div class="wf-name">Span</div>
        <div class="wf-time">
          {ticks.map((f) => (
            <span
              key={f}
              class="wf-tick"
              style={{
                left: `${f * 100}%`,
                transform: f === 1 ? 'translateX(-100%)' : f > 0 ? 'translateX(-50%)' : undefined,
              }}
            >
              {formatDuration(total * f)}
            </span>
          ))}
        </div>
      </div>
      {visible.map(({ span, depth, childCount, orphan }) => {
        const left = pct(span.startTime);
        const width = Math.max(pct(span.endTime) - left, 0.15);
        const color = serviceColor(span.service);
        const isSelected = span.spanId === selected;
        const logs = logCounts.get(span.spanId) ?? 0;
        return [
          <div
            key={span.spanId}
            class={`wf-row wf-span${isSelected ? ' selected' : ''}${span.status === 'error' ? ' is-error' : ''}`}
            data-testid="span-row"
            data-span-id={span.spanId}
            data-span-name={span.name}
          >
            <div class="wf-name" style={{ paddingLeft: `${8 + depth * 16}px` }}>
              {childCount > 0 ? (
                <button
                  type="button"
                  class="caret"
                  aria-label={collapsed.has(span.spanId) ? 'Expand' : 'Collapse'}
                  aria-expanded={!collapsed.has(span.spanId)}
                  onClick={() => toggle(span.spanId)}
                >
                  {collapsed.has(span.spanId) ? '▸' : '▾'}
                </button>
              ) : (
                <span class="caret-space" />
              )}
              <span class="svc-bar" style={{ background: color }} />
              <button
                type="button"
                class="span-label"
                data-testid="span-select"
                title={`${span.service} · ${span.name}`}
                onClick={() => onSelect(span.spanId)}
              >
                {span.status === 'error' ? (
                  <span class="err-mark" title="Error status">
                    !
                  </span>
                ) : null}
                <span class="span-name">{span.name}</span>
                <span class="span-service muted">{span.service}</span>
                {orphan ? (
                  <span class="tag" title="Parent span not received">
                    orphan
                  </span>
                ) : null}
                {logs > 0 ? (
                  <span class="tag" title={`${logs} log records`}>
                    {logs} log{logs === 1 ? '' : 's'}
                  </span>
                ) : null}
              </button>
            </div>
            <button
              type="button"
              class="wf-time wf-track"
              aria-label={`Select ${span.name}`}
              onClick={() => onSelect(span.spanId)}
            >
              {ticks.slice(1, -1).map((f) => (
                <span key={f} class="wf-gridline" style={{ left: `${f * 100}%` }} />
              ))}
              <span
                class="wf-bar"
                style={{ left: `${left}%`, width: `${width}%`, background: color }}
                data-testid="span-bar"
              >
                {span.events.map((event, i) =>
                  event.time === undefined ? null : (
                    <span
                      key={i}
                      class={`wf-event${event.name === 'exception' ? ' is-error' : ''}`}
                      style={{ left: `${eventOffset(event.time, span)}%` }}
                      title={event.name}
                    />
                  ),
                )}
              </span>
              <span class="wf-label" style={{ left: `calc(${left + width}% + 6px)` }}>
                {formatDuration(span.endTime - span.startTime)}
              </span>
            </button>
          </div>,
          isSelected ? (
            <div key={`${span.spanId}-detail`} class="wf-detail">
              {renderDetail(span)}
            </div>
          ) : null,
        ];
      })}
    </div>
  );
}
