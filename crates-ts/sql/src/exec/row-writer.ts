/**
 * Writing rows with their constraints checked as PG checks them, row by row: NOT NULL
 * (23502, "Failing row contains (...)") then the primary key and each UNIQUE constraint
 * (23505, "Key (a)=(1) already exists."), against the applied state plus this statement's
 * earlier writes. Unique index entries live in `sql_index` (`table, index id, values` ->
 * row key); a key with a NULL has no entry, since NULLs never collide.
 */
import type { IndexDef, TableDef } from '../catalog.js';
import { SqlError, SqlState } from '../errors.js';
import { encodeKey, indexPrefix, tablePrefix } from '../keys.js';
import { encodeRow } from '../row-codec.js';
import { outputValue } from '../types/io.js';
import { Oid, type Value } from '../types/oids.js';
import type { ExecContext } from './context.js';

function failingRow(table: TableDef, values: readonly Value[]): string {
  const shown = values.map((v, i) => (v === null ? 'null' : outputValue(table.columns[i]!.type.oid, v)));
  return `Failing row contains (${shown.join(', ')}).`;
}

export function checkNotNull(table: TableDef, values: readonly Value[]): void {
  for (let i = 0; i < table.columns.length; i++) {
    const c = table.columns[i]!;
    if (c.notNull && values[i] === null) {
      throw new SqlError(
        SqlState.NotNullViolation,
        `null value in column "${c.name}" of relation "${table.name}" violates not-null constraint`,
        {
          detail: failingRow(table, values),
        },
      );
    }
  }
}

function keyValues(idx: IndexDef, values: readonly Value[]): Value[] {
  return idx.columns.map((c) => values[c]!);
}

function keyOids(table: TableDef, idx: IndexDef): number[] {
  return idx.columns.map((c) => table.columns[c]!.type.oid);
}

function duplicate(table: TableDef, idx: IndexDef, values: readonly Value[]): SqlError {
  const cols = idx.columns.map((c) => table.columns[c]!.name).join(', ');
  const vals = idx.columns.map((c) => outputValue(table.columns[c]!.type.oid, values[c]!)).join(', ');
  return new SqlError(
    SqlState.UniqueViolation,
    `duplicate key value violates unique constraint "${idx.name}"`,
    {
      detail: `Key (${cols})=(${vals}) already exists.`,
    },
  );
}

export function primaryIndex(table: TableDef): IndexDef | null {
  const first = table.indexes[0];
  return first?.primary ? first : null;
}

/** The row's `sql_rows` key: the primary key values, or a fresh hidden rowid. */
export function rowKey(ctx: ExecContext, table: TableDef, values: readonly Value[]): Buffer {
  const pk = primaryIndex(table);
  if (pk !== null) return encodeKey(tablePrefix(table.id), keyOids(table, pk), keyValues(pk, values));
  const seq = ctx.catalog.get(table.rowidSequence);
  if (seq === undefined || seq.kind !== 'sequence')
    throw new Error(`table ${table.name} has no rowid sequence`);
  return encodeKey(tablePrefix(table.id), [Oid.int8], [ctx.nextval(seq)]);
}

function uniqueKey(table: TableDef, idx: IndexDef, values: readonly Value[]): Buffer | null {
  const vals = keyValues(idx, values);
  if (vals.some((v) => v === null)) return null;
  return encodeKey(indexPrefix(table.id, idx.id), keyOids(table, idx), vals);
}

/** Inserts a new row (key from rowKey); throws on a constraint violation. */
export function insertRow(ctx: ExecContext, table: TableDef, key: Buffer, values: readonly Value[]): void {
  checkNotNull(table, values);
  const pk = primaryIndex(table);
  if (pk !== null && ctx.get('sql_rows', key) !== undefined) throw duplicate(table, pk, values);
  for (const idx of table.indexes) {
    if (idx.primary) continue;
    const ik = uniqueKey(table, idx, values);
    if (ik === null) continue;
    if (ctx.get('sql_index', ik) !== undefined) throw duplicate(table, idx, values);
    ctx.put('sql_index', ik, key);
  }
  ctx.put(
    'sql_rows',
    key,
    encodeRow(
      table.columns.map((c) => c.type.oid),
      values,
    ),
  );
}

export function deleteRow(ctx: ExecContext, table: TableDef, key: Buffer, values: readonly Value[]): void {
  for (const idx of table.indexes) {
    if (idx.primary) continue;
    const ik = uniqueKey(table, idx, values);
    if (ik !== null) ctx.del('sql_index', ik);
  }
  ctx.del('sql_rows', key);
}

/** Replaces a row: its key changes when the primary key does. Returns nothing; throws on violations. */
export function updateRow(
  ctx: ExecContext,
  table: TableDef,
  oldKey: Buffer,
  oldValues: readonly Value[],
  values: readonly Value[],
): void {
  checkNotNull(table, values);
  const pk = primaryIndex(table);
  const newKey =
    pk === null ? oldKey : encodeKey(tablePrefix(table.id), keyOids(table, pk), keyValues(pk, values));
  if (!newKey.equals(oldKey)) {
    if (ctx.get('sql_rows', newKey) !== undefined) throw duplicate(table, pk!, values);
    ctx.del('sql_rows', oldKey);
  }
  for (const idx of table.indexes) {
    if (idx.primary) continue;
    const before = uniqueKey(table, idx, oldValues);
    const after = uniqueKey(table, idx, values);
    if (before !== null && after !== null && before.equals(after) && newKey.equals(oldKey)) continue;
    if (before !== null) ctx.del('sql_index', before);
    if (after !== null) {
      if (ctx.get('sql_index', after) !== undefined) throw duplicate(table, idx, values);
      ctx.put('sql_index', after, newKey);
    }
  }
  ctx.put(
    'sql_rows',
    newKey,
    encodeRow(
      table.columns.map((c) => c.type.oid),
      values,
    ),
  );
}
