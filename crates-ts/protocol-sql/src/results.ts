/**
 * Writes statement results as backend messages: RowDescription, DataRows (text as given by
 * the engine, or converted to binary per column format), CommandComplete, EmptyQueryResponse,
 * COPY TO STDOUT framing, and notices. Pure over a BackendWriter.
 */
import { AssertionError } from '@seshat/common';
import type { Column, CopyOutResult, Row, StatementResult } from './backend.js';
import { Be } from './constants.js';
import { encodeCopyOut } from './copy.js';
import { SQLSTATE, sqlError } from './errors.js';
import { hasBinaryForm, noBinaryOutput, textToBinary } from './types/binary.js';
import type { BackendWriter } from './writer.js';

export const FORMAT_TEXT = 0;
export const FORMAT_BINARY = 1;

/**
 * Bind's result format codes expanded to one per column (none: all text; one: for all).
 * Throws PostgreSQL's errors for a bad count or code, or a binary request for a type without
 * a binary form here.
 */
export function expandResultFormats(
  codes: readonly number[],
  columns: readonly Column[] | null,
): number[] | null {
  const n = columns?.length ?? 0;
  if (codes.length !== 0 && codes.length !== 1 && codes.length !== n) {
    throw sqlError(
      SQLSTATE.PROTOCOL_VIOLATION,
      `bind message has ${codes.length} result formats but query has ${n} columns`,
    );
  }
  for (const c of codes) {
    if (c !== FORMAT_TEXT && c !== FORMAT_BINARY) {
      throw sqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `unsupported format code: ${c}`);
    }
  }
  if (columns === null || codes.length === 0 || codes.every((c) => c === FORMAT_TEXT)) return null;
  const formats = columns.map((_, i) => (codes.length === 1 ? codes[0]! : codes[i]!));
  formats.forEach((f, i) => {
    if (f === FORMAT_BINARY && !hasBinaryForm(columns[i]!.typeOid)) throw noBinaryOutput(columns[i]!.typeOid);
  });
  return formats;
}

const values: (string | Buffer | null)[] = [];

/** DataRows for rows[from, to); `formats` null means all text. */
export function writeDataRows(
  w: BackendWriter,
  rows: readonly Row[],
  from: number,
  to: number,
  columns: readonly Column[],
  formats: readonly number[] | null,
): void {
  for (let r = from; r < to; r++) {
    const row = rows[r]!;
    if (formats === null) {
      w.dataRow(row);
      continue;
    }
    values.length = row.length;
    for (let i = 0; i < row.length; i++) {
      const v = row[i]!;
      values[i] = v === null || formats[i] !== FORMAT_BINARY ? v : textToBinary(columns[i]!.typeOid, v);
    }
    w.dataRow(values);
  }
}

export function writeCopyOut(w: BackendWriter, r: CopyOutResult): void {
  if (r.options.format === 'binary') {
    throw sqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'COPY with FORMAT binary is not supported');
  }
  const lines = encodeCopyOut(
    r.options,
    r.columns.map((c) => c.name),
    r.rows,
  );
  w.copyResponse(Be.CopyOutResponse, false, r.columns.length);
  for (const line of lines) w.copyData(line);
  w.copyDone();
  w.commandComplete(`COPY ${r.rows.length}`);
}

/**
 * A complete result of the simple query protocol (RowDescription included). Copy-in results
 * are not written here (they need the client's data): the caller handles them.
 */
export function writeSimpleResult(w: BackendWriter, r: StatementResult): void {
  for (const n of r.notices ?? []) w.noticeResponse(n);
  switch (r.kind) {
    case 'empty':
      w.emptyQueryResponse();
      return;
    case 'copy-out':
      writeCopyOut(w, r);
      return;
    case 'copy-in':
      throw new AssertionError('copy-in result written as a simple result');
    default:
      if (r.columns !== null) {
        w.rowDescription(r.columns, null);
        writeDataRows(w, r.rows, 0, r.rows.length, r.columns, null);
      }
      w.commandComplete(r.command);
  }
}
