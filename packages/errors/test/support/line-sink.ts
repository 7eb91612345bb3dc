import type { Parsed } from './parsed.js';

/** A real sink for the ERROR records: collects written lines and parses them. */
export function lineSink() {
  const lines: string[] = [];
  return {
    write(line: string) {
      lines.push(line);
      return true;
    },
    lines,
    records(): Record<string, Parsed>[] {
      return lines.map((l) => JSON.parse(l));
    },
  };
}
