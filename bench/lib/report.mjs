// Printing helpers shared by the benchmarks: one table per run, with each row's ratio to a named baseline.

/**
 * Prints rows of `{ name, hz }` (operations per second) with the ratio of each to `baseline`.
 * @param {string} title
 * @param {{ name: string, hz: number, unit?: string, note?: string }[]} rows
 * @param {string} baseline name of the row the ratios are relative to
 */
export function printRatios(title, rows, baseline) {
  const base = rows.find((r) => r.name === baseline);
  console.log(`\n${title}`);
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const ratio = base ? (r.hz / base.hz).toFixed(2) : 'n/a';
    const unit = r.unit ?? 'ops/s';
    const hz = Math.round(r.hz).toLocaleString('en-US').padStart(14);
    console.log(`  ${r.name.padEnd(width)}  ${hz} ${unit}  ${ratio}x ${baseline}${r.note ? `  (${r.note})` : ''}`);
  }
}
