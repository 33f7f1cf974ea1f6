// Reads a file of JSON events: JSON Lines (one value per line) or a JSON array (or one JSON value), and
// says on which line each event starts, so that every complaint can name its line.
import * as fs from 'node:fs';
import { CliError } from './cli-errors.js';

type Parsed = { value: unknown; error?: undefined } | { value?: undefined; error: string };

/** One event of the file: `text` is its own text (--allow-invalid produces its bytes as they are). */
export type FileEvent = { line: number; text: string } & Parsed;

export interface EventFile {
  format: 'json-lines' | 'json-array' | 'json-value';
  items: FileEvent[];
}

export function readEvents(file: string): EventFile {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') throw new CliError(`file not found: ${file}`, 2);
    if (code === 'EISDIR') throw new CliError(`${file} is a folder, not a file of events`, 2);
    throw new CliError(`cannot read ${file}: ${message}`, 2);
  }
  if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
  const first = content.search(/\S/);
  if (first === -1) throw new CliError(`${file} is empty: no events to produce`, 2);
  if (content[first] === '[') return { format: 'json-array', items: splitArray(content, first, file) };
  const lines = content.split(/\r?\n/);
  const nonBlank = lines.filter((l) => l.trim() !== '');
  // One JSON value over several lines (a pretty-printed object) is one event, not broken JSON Lines.
  if (nonBlank.length > 1 && content[first] === '{' && !isJson(nonBlank[0])) {
    const whole = parse(content.trim());
    if (!whole.error) return { format: 'json-value', items: [{ line: lineOf(content, first), text: content.trim(), value: whole.value }] };
  }
  const items: FileEvent[] = [];
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (text === '') return;
    items.push({ line: i + 1, text, ...parse(text) });
  });
  return { format: 'json-lines', items };
}

function isJson(text: string): boolean {
  return !parse(text).error;
}

function parse(text: string): Parsed {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `bad JSON: ${(error as Error).message}` };
  }
}

function lineOf(content: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
}

/** Splits a top-level JSON array into the texts of its elements, with the line each starts on. */
function splitArray(content: string, open: number, file: string): FileEvent[] {
  const items: FileEvent[] = [];
  let i = open + 1;
  let line = lineOf(content, open);
  const advance = (to: number) => {
    for (; i < to; i++) if (content.charCodeAt(i) === 10) line++;
  };
  const skipSpace = () => {
    const m = /\S/.exec(content.slice(i));
    advance(m ? i + m.index : content.length);
  };
  const openLine = line;
  skipSpace();
  if (content[i] === ']') {
    i++;
  } else {
    for (;;) {
      skipSpace();
      if (i >= content.length) throw new CliError(`${file}: the JSON array opened on line ${openLine} is not closed`, 2);
      const start = i;
      const startLine = line;
      let depth = 0;
      let inString = false;
      for (; i < content.length; i++) {
        const c = content[i];
        if (c === '\n') line++;
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
          continue;
        }
        if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          if (depth === 0) break;
          depth--;
        } else if (c === ',' && depth === 0) break;
      }
      const text = content.slice(start, i).trim();
      if (i >= content.length)
        throw new CliError(`${file}: the JSON array opened on line ${openLine} is not closed (last element starts on line ${startLine})`, 2);
      items.push({ line: startLine, text, ...(text === '' ? { error: 'bad JSON: empty element (two commas in a row?)' } : parse(text)) });
      const sep = content[i];
      i++;
      if (sep === ']') break;
    }
  }
  const rest = content.slice(i);
  const extra = /\S/.exec(rest);
  if (extra) throw new CliError(`${file}: unexpected text after the JSON array, on line ${lineOf(content, i + extra.index)}`, 2);
  return items;
}
