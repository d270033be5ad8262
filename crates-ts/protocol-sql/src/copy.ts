/**
 * COPY's text and CSV data formats: rows of text values to CopyData payloads (TO STDOUT) and
 * the client's data back to rows (FROM STDIN), with PostgreSQL's escapes, quoting, NULL
 * markers, HEADER and end-of-data line (`\.`). Pure functions over strings; the connection
 * does the framing.
 */
import type { CopyOptions, Row } from './backend.js';
import { SQLSTATE, sqlError } from './errors.js';

interface Resolved {
  csv: boolean;
  delimiter: string;
  nullText: string;
  header: boolean;
  quote: string;
  escape: string;
  forceQuote: number[] | true;
}

function resolve(o: CopyOptions): Resolved {
  const csv = o.format === 'csv';
  const quote = o.quote ?? '"';
  return {
    csv,
    delimiter: o.delimiter ?? (csv ? ',' : '\t'),
    nullText: o.null ?? (csv ? '' : '\\N'),
    header: o.header ?? false,
    quote,
    escape: o.escape ?? quote,
    forceQuote: o.forceQuote ?? [],
  };
}

// ---- out ----

const TEXT_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

function textField(value: string, delimiter: string): string {
  let out = '';
  for (const ch of value) {
    const esc = TEXT_ESCAPES[ch];
    if (esc !== undefined) out += esc;
    else if (ch === delimiter) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** `single`: the row has one column, where an unquoted `\.` would read as end of data. */
function csvField(value: string, r: Resolved, force: boolean, single: boolean): string {
  const needs =
    force ||
    value === r.nullText ||
    (single && value === '\\.') ||
    value.includes(r.delimiter) ||
    value.includes(r.quote) ||
    value.includes('\n') ||
    value.includes('\r') ||
    (r.escape !== r.quote && value.includes(r.escape));
  if (!needs) return value;
  let out = r.quote;
  for (const ch of value) out += ch === r.quote || ch === r.escape ? r.escape + ch : ch;
  return out + r.quote;
}

/** One CopyData payload per line: the header (CSV with HEADER), then each row. */
export function encodeCopyOut(
  options: CopyOptions,
  columnNames: readonly string[],
  rows: readonly Row[],
): string[] {
  const r = resolve(options);
  const lines: string[] = [];
  if (r.csv && r.header)
    lines.push(
      `${columnNames.map((n) => csvField(n, r, false, columnNames.length === 1)).join(r.delimiter)}\n`,
    );
  for (const row of rows) {
    const fields = row.map((v, i) => {
      if (v === null) return r.nullText;
      if (!r.csv) return textField(v, r.delimiter);
      return csvField(v, r, r.forceQuote === true || r.forceQuote.includes(i), row.length === 1);
    });
    lines.push(`${fields.join(r.delimiter)}\n`);
  }
  return lines;
}

// ---- in ----

function copyFormatError(message: string, line: number): Error {
  return sqlError(SQLSTATE.BAD_COPY_FILE_FORMAT, message, { where: `COPY, line ${line}` });
}

const SIMPLE_UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One field of the text format: `\N`-style NULL when the raw text is the null marker. */
function unescapeText(raw: string, nullText: string): string | null {
  if (raw === nullText) return null;
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== '\\' || i + 1 >= raw.length) {
      out += ch;
      continue;
    }
    const next = raw[++i]!;
    const octal = /^[0-7]{1,3}/.exec(raw.slice(i, i + 3));
    const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 1, i + 3)) : null;
    if (octal !== null) {
      out += String.fromCharCode(Number.parseInt(octal[0], 8) & 0xff);
      i += octal[0].length - 1;
    } else if (hex !== null) {
      out += String.fromCharCode(Number.parseInt(hex[0], 16));
      i += hex[0].length;
    } else {
      out += SIMPLE_UNESCAPE[next] ?? next;
    }
  }
  return out;
}

/** Splits a text-format line on unescaped delimiters (a backslash escapes the next char). */
function splitTextLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === delimiter) {
      fields.push(line.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(line.slice(start));
  return fields;
}

function checkCount(row: Row, columnNames: readonly string[], line: number): void {
  if (row.length > columnNames.length) throw copyFormatError('extra data after last expected column', line);
  if (row.length < columnNames.length) {
    throw copyFormatError(`missing data for column "${columnNames[row.length]}"`, line);
  }
}

function decodeText(data: string, r: Resolved, columnNames: readonly string[]): Row[] {
  const rows: Row[] = [];
  const lines = data.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '\\.') break;
    const row =
      columnNames.length === 0 && line === ''
        ? []
        : splitTextLine(line, r.delimiter).map((f) => unescapeText(f, r.nullText));
    checkCount(row, columnNames, n + 1);
    rows.push(row);
  }
  return rows;
}

/** CSV: quoted fields may span lines; an unquoted field equal to the null marker is NULL. */
function decodeCsv(data: string, r: Resolved, columnNames: readonly string[]): Row[] {
  // PostgreSQL 15's HEADER skips the first line unchecked.
  const check = (row: Row, line: number): void => {
    if (!(r.header && line === 1)) checkCount(row, columnNames, line);
  };
  const rows: Row[] = [];
  let row: Row = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;
  let line = 1;
  let atLineStart = true;
  const endField = (): void => {
    row.push(!quoted && field === r.nullText ? null : field);
    field = '';
    quoted = false;
  };
  for (let i = 0; i < data.length; i++) {
    const ch = data[i]!;
    if (inQuotes) {
      const next = data[i + 1];
      if (ch === r.escape && (next === r.quote || (r.escape !== r.quote && next === r.escape))) {
        field += next;
        i++;
      } else if (ch === r.quote) inQuotes = false;
      else field += ch;
      continue;
    }
    if (atLineStart && data.startsWith('\\.', i) && /^\\.\r?(\n|$)/.test(data.slice(i, i + 4))) break;
    atLineStart = false;
    if (ch === r.quote) {
      inQuotes = true;
      quoted = true;
    } else if (ch === r.delimiter) endField();
    else if (ch === '\n' || (ch === '\r' && data[i + 1] === '\n')) {
      if (ch === '\r') i++;
      endField();
      check(row, line);
      rows.push(row);
      row = [];
      line++;
      atLineStart = true;
    } else field += ch;
  }
  if (inQuotes) throw copyFormatError('unterminated CSV quoted field', line);
  if (!atLineStart) {
    endField();
    check(row, line);
    rows.push(row);
  }
  return rows;
}

/** The whole COPY FROM STDIN data (all CopyData payloads, in order) as rows. */
export function decodeCopyIn(data: string, options: CopyOptions, columnNames: readonly string[]): Row[] {
  const r = resolve(options);
  if (!r.csv) return decodeText(data, r, columnNames);
  const rows = decodeCsv(data, r, columnNames);
  return r.header ? rows.slice(1) : rows;
}
