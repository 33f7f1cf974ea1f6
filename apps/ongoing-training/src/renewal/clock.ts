import { Injectable } from '@nestjs/common';

/** The service's only source of "now", so the domain core never reads the clock itself. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
