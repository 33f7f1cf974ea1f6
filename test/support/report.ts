import * as fs from 'node:fs';
import * as path from 'node:path';

/** Appends a reliability figure to `.artifacts/reliability.md`, and returns the line. */
export function report(line: string): string {
  const file = path.resolve(import.meta.dirname, '..', '..', '.artifacts', 'reliability.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `- ${new Date().toISOString()} ${line}\n`);
  process.stderr.write(`[reliability] ${line}\n`);
  return line;
}
