import { Inject, Injectable, Optional } from '@nestjs/common';
import { readFileSync } from 'node:fs';

export const CLOCK_OFFSET_FILE = Symbol('CLOCK_OFFSET_FILE');

/**
 * The service's only source of "now", so the domain core never reads the clock itself. The tests and
 * the demo move it (pauses that end by time, R14) through `CLOCK_OFFSET_FILE`: a file holding how many
 * milliseconds to add to the system clock, read at most every 100 ms. Unset in production.
 */
@Injectable()
export class Clock {
  private offsetMs = 0;
  private readAt = 0;

  constructor(@Optional() @Inject(CLOCK_OFFSET_FILE) private readonly offsetFile?: string) {}

  now(): Date {
    if (this.offsetFile && Date.now() - this.readAt > 100) {
      this.readAt = Date.now();
      try {
        const offset = Number(readFileSync(this.offsetFile, 'utf8').trim() || '0');
        if (Number.isSafeInteger(offset)) this.offsetMs = offset;
      } catch {
        // No file (yet): the system clock as it is.
        this.offsetMs = 0;
      }
    }
    return new Date(Date.now() + this.offsetMs);
  }
}
