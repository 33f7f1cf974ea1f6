'use strict';
// A progress bar on stderr for long runs: redrawn in place on a terminal (at most 10 times a second),
// silent when stderr is not a terminal (CI logs, pipes) apart from the final line.

class Progress {
  constructor(label, total, { stream = process.stderr, enabled } = {}) {
    this.label = label;
    this.total = total;
    this.done = 0;
    this.stream = stream;
    this.enabled = enabled ?? Boolean(stream.isTTY);
    this.started = Date.now();
    this.lastDraw = 0;
  }

  tick(n = 1) {
    this.done += n;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && this.done < this.total) return;
    this.lastDraw = now;
    this.draw();
  }

  draw() {
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
  finish(summary) {
    if (this.enabled) {
      this.draw();
      this.stream.write('\n');
    }
    if (summary) this.stream.write(`${summary}\n`);
  }
}

module.exports = { Progress };
