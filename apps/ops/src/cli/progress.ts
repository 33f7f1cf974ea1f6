/**
 * A progress bar on stderr for long runs: redrawn in place on a terminal (at most 10 times a second),
 * silent when stderr is not a terminal (CI logs, pipes) apart from the final line.
 */
export class Progress {
  private done = 0;
  private readonly enabled: boolean;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY);
  }

  tick(n = 1): void {
    this.done += n;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && this.done < this.total) return;
    this.lastDraw = now;
    this.draw();
  }

  private draw(): void {
    const width = 30;
    const ratio = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(ratio * width);
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const eta = rate > 0 && this.total > this.done ? `, ~${Math.ceil((this.total - this.done) / rate)} s left` : '';
    this.stream.write(
      `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ` +
        `${this.done}/${this.total} (${rate.toFixed(0)}/s${eta})\x1b[K`,
    );
  }

  /** Ends the bar; `summary` goes on its own line either way. */
  finish(summary?: string): void {
    if (this.enabled) {
      this.draw();
      this.stream.write('\n');
    }
    if (summary) this.stream.write(`${summary}\n`);
  }
}
