import type { LoadStats } from '../load/load-generator.js';

/** Where the demo writes: the terminal, or a test's buffer. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

function statusCounts(byStatus: Record<string, number>): string {
  return Object.entries(byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status}:${n}`)
    .join(' ');
}

/**
 * The progress display: one status line a second (rewritten in place on a terminal, every 5 s otherwise) with the
 * scenario, its clock, requests by status since the scenario began, p95 latency and payment-api's readiness.
 */
export class ProgressDisplay {
  readonly #out: Output;
  readonly #tty: boolean;
  #timer: NodeJS.Timeout | undefined;
  #scenario = '';
  #startedAt = 0;
  #durationMs = 0;
  #base: Record<string, number> = {};
  #ticks = 0;
  #lineOpen = false;

  constructor(
    out: Output,
    private readonly stats: () => LoadStats,
    private readonly readiness: () => string,
  ) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  /** A line that stays (an event or a heading). */
  line(text: string): void {
    if (this.#lineOpen) {
      this.#out.write('\r\x1b[K');
      this.#lineOpen = false;
    }
    this.#out.write(`${text}\n`);
  }

  beginScenario(name: string, summary: string, durationMs: number): void {
    this.#scenario = name;
    this.#startedAt = Date.now();
    this.#durationMs = durationMs;
    this.#base = this.stats().byStatus;
    this.line(`\n▶ ${name} (${Math.round(durationMs / 1000)} s): ${summary}`);
    if (!this.#timer) this.#timer = setInterval(() => this.#tick(), 1000);
  }

  endScenario(): void {
    this.#status(true);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#lineOpen) {
      this.#out.write('\n');
      this.#lineOpen = false;
    }
  }

  #tick(): void {
    this.#ticks++;
    if (this.#tty || this.#ticks % 5 === 0) this.#status(false);
  }

  #status(final: boolean): void {
    if (!this.#scenario) return;
    const stats = this.stats();
    const delta: Record<string, number> = {};
    for (const [status, n] of Object.entries(stats.byStatus)) {
      const d = n - (this.#base[status] ?? 0);
      if (d > 0) delta[status] = d;
    }
    const elapsed = Math.min(Math.round((Date.now() - this.#startedAt) / 1000), Math.round(this.#durationMs / 1000));
    const text = `  ${this.#scenario} ${elapsed}/${Math.round(this.#durationMs / 1000)} s · ${statusCounts(delta) || 'no answers yet'} · p95 ${stats.p95Ms} ms · ${this.readiness()}`;
    if (this.#tty && !final) {
      this.#out.write(`\r\x1b[K${text}`);
      this.#lineOpen = true;
    } else {
      this.line(text);
    }
  }
}
