import type { IncidentReport } from './report.js';

function cell(text: unknown): string {
  return String(text ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

function ms(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`;
}

/** Renders the incident report as Markdown. Every statement carries the ids to look it up. */
export function renderMarkdown(report: IncidentReport): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(
    '# Incident report',
    '',
    `Generated ${report.generatedAt} by otelkit-collector from the data it received.`,
    '',
  );
  out.push('## Summary', '', s.headline, '');
  if (s.errorGroups > 0) {
    out.push(
      `- Errors: ${s.errorOccurrences} occurrence(s) in ${s.errorGroups} group(s); first at ${s.firstErrorAt}, last at ${s.lastErrorAt}.`,
      `- Services reporting errors: ${s.services.join(', ') || 'none'}.`,
    );
  }
  out.push(
    `- Impact: ${s.failedRequests} failed of ${s.requests} request(s) (${pct(s.errorRatio)}; entry SERVER spans); ${s.usersAffected} distinct user(s) affected.`,
    '',
  );
  const busy = s.errorRatioOverTime.filter((p) => p.requests > 0);
  if (busy.length > 0) {
    out.push(
      '### Error ratio over time',
      '',
      '| time (UTC) | requests | failed | error ratio |',
      '| --- | ---: | ---: | ---: |',
    );
    for (const p of busy.slice(-30))
      out.push(`| ${p.time} | ${p.requests} | ${p.failedRequests} | ${pct(p.errorRatio)} |`);
    out.push('');
  }

  out.push('## Top errors', '');
  if (report.topErrors.length === 0) out.push('No error groups.', '');
  report.topErrors.forEach((g, i) => {
    out.push(`### ${i + 1}. \`${g.fingerprint}\` — ${g.type}: ${cell(g.message)}`, '');
    out.push(
      `- Classification: severity **${g.severity ?? 'unknown'}**, category **${g.category ?? 'unclassified'}**, retryable: ${g.retryable ?? 'unknown'}.`,
      `- Count: ${g.count}; first seen ${g.firstSeen}, last seen ${g.lastSeen}; trend: **${g.trend}**, ${g.direction}.`,
      `- Services: ${g.services.join(', ')}; versions: ${g.versions.join(', ') || 'none reported'}; users on its occurrences: ${g.users}.`,
      `- First seen in ${g.firstSeenService}${g.firstSeenVersion ? ` ${g.firstSeenVersion}` : ''}.`,
    );
    if (g.regression) {
      out.push(
        `- **Regression**: first appeared in ${g.regression.service} ${g.regression.version}, which replaced ${g.regression.previousVersion} (seen since ${g.regression.previousVersionFirstSeen}).`,
      );
    }
    out.push(`- Sample: event \`${g.sampleEventId}\`${g.sampleTraceId ? `, trace \`${g.sampleTraceId}\`` : ''}.`, '');
  });

  out.push('## Representative failing trace', '');
  const t = report.representativeTrace;
  if (!t) out.push('No failing trace is stored.', '');
  else {
    out.push(
      `Trace \`${t.traceId}\` (${t.rootService}: ${t.rootName}, ${ms(t.durationMs)}), chosen as the ${t.chosenBecause}.`,
      '',
    );
    if (t.origin) {
      out.push(
        `**Originated** in **${t.origin.service}**, span \`${t.origin.spanId}\` "${cell(t.origin.name)}"${t.origin.message ? `: ${cell(t.origin.message)}` : ''} — the first failed span with no failed span below it.`,
      );
      if (t.cascade.length > 0) {
        out.push(
          `**Cascaded** to ${t.cascade.map((c) => `**${c.service}** (span \`${c.spanId}\` "${cell(c.name)}")`).join(', then ')}.`,
        );
      } else out.push('It did not cascade to a failed parent span.');
      out.push('');
    }
    out.push('| offset | duration | service | span | kind | status | role | span id | message |');
    out.push('| ---: | ---: | --- | --- | --- | --- | --- | --- | --- |');
    for (const e of [...t.timeline].sort((a, b) => a.offsetMs - b.offsetMs).slice(0, 100)) {
      out.push(
        `| +${ms(e.offsetMs)} | ${ms(e.durationMs)} | ${cell(e.service)} | ${'· '.repeat(e.depth)}${cell(e.name)} | ${e.kind} | ${e.status} | ${e.role} | \`${e.spanId}\` | ${cell(e.message ?? '')} |`,
      );
    }
    out.push('');
  }

  out.push('## Related log lines', '');
  if (report.relatedLogs.length === 0) out.push('No related log records.', '');
  else {
    for (const l of report.relatedLogs) {
      const ids = [
        l.trace_id ? `trace ${l.trace_id}` : '',
        l.span_id ? `span ${l.span_id}` : '',
        l.correlation_id ? `correlation ${l.correlation_id}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      out.push(`- \`${l.timestamp}\` **${l.level}** ${l.service}: ${cell(l.message)}${ids ? ` (${ids})` : ''}`);
    }
    out.push('');
  }

  out.push('## Next checks', '');
  if (report.nextChecks.length === 0) out.push('Nothing to check: no errors.', '');
  for (const c of report.nextChecks) out.push(`- ${c.check} _Because: ${c.because}_`);
  out.push('');
  return out.join('\n');
}
