import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, display, type Json, type SpanStatus } from '../api.js';
import { serviceColor } from '../colors.js';

export function Loading({ what }: { what: string }) {
  return (
    <div class="state" data-testid="loading">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorBox({ error }: { error: Error }) {
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <div class="state state-error" role="alert" data-testid="error-box">
      {notFound ? 'Not found: ' : 'Could not load: '}
      {error.message}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return (
    <div class="state" data-testid="empty">
      {children}
    </div>
  );
}

export function PageHeader({ title, children }: { title: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      {children ? <div class="page-actions">{children}</div> : null}
    </header>
  );
}

export function ServiceChip({ service }: { service: string }) {
  return (
    <span class="chip" data-testid="service-chip">
      <span class="dot" style={{ background: serviceColor(service) }} />
      {service}
    </span>
  );
}

export function StatusPill({ status }: { status: SpanStatus }) {
  return (
    <span class={`pill pill-${status}`} data-testid="status-pill">
      {status === 'error' ? 'Error' : status === 'ok' ? 'OK' : 'Unset'}
    </span>
  );
}

export function LevelBadge({ level }: { level: string }) {
  const cls = ['FATAL', 'ERROR'].includes(level)
    ? 'error'
    : level === 'WARN' || level === 'WARNING'
      ? 'warn'
      : level === 'INFO'
        ? 'info'
        : 'debug';
  return <span class={`level level-${cls}`}>{level}</span>;
}

export function SeverityBadge({ severity }: { severity: string }) {
  if (!severity) return null;
  return <span class={`severity severity-${severity.toLowerCase()}`}>{severity}</span>;
}

/** A monospace id that copies itself on click. */
export function Mono({ value, testId, short }: { value: string; testId?: string; short?: boolean }) {
  const [copied, setCopied] = useState(false);
  if (!value) return <span class="muted">–</span>;
  const shown = short && value.length > 16 ? `${value.slice(0, 8)}…${value.slice(-4)}` : value;
  return (
    <button
      type="button"
      class={`mono copyable${copied ? ' copied' : ''}`}
      title={copied ? 'Copied' : `${value} (click to copy)`}
      data-testid={testId}
      onClick={() => {
        void navigator.clipboard?.writeText(value).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        });
      }}
    >
      {shown}
    </button>
  );
}

/** Key/value table for attributes and context objects, keys sorted. */
export function KeyValues({ data, testId, empty = 'None' }: { data: Json; testId?: string; empty?: string }) {
  const keys = Object.keys(data).sort();
  if (keys.length === 0) return <p class="muted small">{empty}</p>;
  return (
    <table class="kv" data-testid={testId}>
      <tbody>
        {keys.map((key) => (
          <tr key={key}>
            <th class="mono">{key}</th>
            <td class="mono wrap">{display(data[key])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <div class="field-label">{label}</div>
      <div class="field-value">{children}</div>
    </div>
  );
}

export function formatNumber(n: number | undefined, digits = 2): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toFixed(digits)).toString();
}

export function formatPercent(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  const pct = ratio * 100;
  return `${pct === 0 ? '0' : pct < 1 ? pct.toFixed(2) : pct < 10 ? pct.toFixed(1) : Math.round(pct)}%`;
}
