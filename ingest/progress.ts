import type { IngestCounts } from './types.ts';

/**
 * Progress on a terminal: one line redrawn in place every `everyMs`
 * ("lines 1,234,567 | 412,345 lines/s | 85.2 MB/s | failed 0 | errors 0"). Silent unless enabled.
 */
export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private readonly started = performance.now();
  private lastLines = 0;
  private lastBytes = 0;
  private lastAt = performance.now();
  private drawn = false;

  constructor(
    private readonly counts: () => IngestCounts & { errors: number },
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly enabled: boolean,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.draw(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.drawn) this.out.write('\r\x1b[K');
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  private draw(): void {
    const c = this.counts();
    const now = performance.now();
    const dt = Math.max((now - this.lastAt) / 1000, 1e-3);
    const lps = (c.read - this.lastLines) / dt;
    const mbps = (c.bytes - this.lastBytes) / dt / 1e6;
    this.lastLines = c.read;
    this.lastBytes = c.bytes;
    this.lastAt = now;
    this.out.write(`\r\x1b[Klines ${fmt(c.read)} | ${fmt(Math.round(lps))} lines/s | ${mbps.toFixed(1)} MB/s | delivered ${fmt(c.delivered)} | failed ${fmt(c.failed)} | errors ${fmt(c.errors)}`);
    this.drawn = true;
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
