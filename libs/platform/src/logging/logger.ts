import { ConsoleLogger, LogLevel } from '@nestjs/common';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** One logger for the whole app: JSON lines by default, so ops can search on pair, eventId and offset. */
export function createLogger(level: string, format: 'json' | 'text'): ConsoleLogger {
  const index = Math.max(LEVELS.indexOf(level as LogLevel), LEVELS.indexOf('error'));
  return new ConsoleLogger({ json: format === 'json', logLevels: LEVELS.slice(0, index + 1), colors: false });
}
