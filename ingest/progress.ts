import type { IngestCounts } from './types.ts';

/**
 * Progress on a terminal: one line redrawn in place every `everyMs`
 * ("lines 1,234,567 | 412,345 lines/s | 85.2 MB/s | failed 0 | errors 0"). Silent unless enabled.
 */
export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private readonly started = performance.now();
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
    // rates averaged over the run so far: reading proceeds in bursts of one batch
    const seconds = Math.max(this.elapsedSeconds(), 1e-3);
    const lps = c.read / seconds;
    const mbps = c.bytes / seconds / 1e6;
    this.out.write(
      `\r\x1b[Klines ${fmt(c.read)} | ${fmt(Math.round(lps))} lines/s | ${mbps.toFixed(1)} MB/s | delivered ${fmt(c.delivered)} | failed ${fmt(c.failed)} | errors ${fmt(c.errors)}`,
    );
    this.drawn = true;
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
