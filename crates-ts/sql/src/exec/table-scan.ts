/**
 * Reading a table's rows from `sql_rows`: a prefix scan of the table id, every record
 * decoded to the table's column values. Rows come in primary key order (rowid order for a
 * table without a primary key).
 */
import type { TableDef } from '../catalog.js';
import { prefixEnd, tablePrefix } from '../keys.js';
import { decodeRow } from '../row-codec.js';
import type { Value } from '../types/oids.js';
import type { ExecContext } from './context.js';

/** Rows fetched per native iterator call. */
const SCAN_BATCH_ROWS = 1024;

export interface StoredRow {
  readonly key: Buffer;
  readonly raw: Buffer;
  readonly values: Value[];
}

export function columnOids(table: TableDef): number[] {
  return table.columns.map((c) => c.type.oid);
}

export function scanTable(ctx: ExecContext, table: TableDef): StoredRow[] {
  const prefix = tablePrefix(table.id);
  const oids = columnOids(table);
  const out: StoredRow[] = [];
  const it = ctx.reader.iterator('sql_rows', { gte: prefix, lt: prefixEnd(prefix) });
  try {
    for (let rows = it.nextBatch(SCAN_BATCH_ROWS); rows.length > 0; rows = it.nextBatch(SCAN_BATCH_ROWS)) {
      for (let i = 0; i < rows.length; i += 2) {
        out.push({ key: rows[i]!, raw: rows[i + 1]!, values: decodeRow(rows[i + 1]!, oids) });
      }
    }
  } finally {
    it.close();
  }
  return out;
}
