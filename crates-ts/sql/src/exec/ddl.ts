/**
 * CREATE TABLE (column types, DEFAULT, NOT NULL, PRIMARY KEY, UNIQUE, serial columns with
 * their owned sequences), DROP TABLE, CREATE / DROP SEQUENCE. DDL writes catalog records
 * in the statement's write set and bumps the catalog version; nothing changes the catalog
 * except an applied log entry.
 */
import {
  type ColumnDef,
  encodeObject,
  IDENTIFIER_BYTES_MAX,
  type IndexDef,
  objectKey,
  PRIMARY_INDEX_ID,
  type SequenceDef,
  sequenceKey,
  TABLE_COLUMNS_MAX,
  type TableDef,
} from '../catalog.js';
import { SqlError, SqlState } from '../errors.js';
import { INT8_MAX } from '../types/io.js';
import { prefixEnd, tablePrefix } from '../keys.js';
import { type Ast, names } from '../parse.js';
import { Oid, type SqlType } from '../types/oids.js';
import { resolveTypeName, SERIAL_TYPES, typeNameString } from '../types/type-name.js';
import { positionIn } from './bound.js';
import type { ExecContext } from './context.js';
import { ExprBinder } from './expr-binder.js';
import { assignTo } from './dml.js';
import type { StatementPlan } from './plan.js';
import { type BindCtx, Scope } from './scope.js';

function schemaOf(rv: Ast, bc: BindCtx): string {
  const schema: string = rv.schemaname ?? 'public';
  if (schema !== 'public') {
    throw new SqlError(
      SqlState.InvalidSchemaName,
      `schema "${schema}" does not exist`,
      positionIn(bc, rv.location),
    );
  }
  return schema;
}

/** PG's ChooseRelationName: `base`, then `base1`, `base2`, ... until unused. */
function chooseName(bc: BindCtx, taken: Set<string>, base: string): string {
  const trimmed = Buffer.from(base, 'utf8').subarray(0, IDENTIFIER_BYTES_MAX).toString('utf8');
  for (let i = 0; ; i++) {
    const name = i === 0 ? trimmed : `${trimmed}${i}`;
    if (!taken.has(name) && !bc.catalog.relationNameTaken('public', name)) {
      taken.add(name);
      return name;
    }
  }
}

interface TableDraft {
  columns: ColumnDef[];
  serials: { col: number; oid: number }[];
  primary: { cols: string[]; name: string | null; location: number } | null;
  uniques: { cols: string[]; name: string | null; location: number }[];
}

function addColumn(draft: TableDraft, cd: Ast, bc: BindCtx, tableName: string): void {
  if (draft.columns.some((c) => c.name === cd.colname)) {
    throw new SqlError(
      SqlState.DuplicateColumn,
      `column "${cd.colname}" specified more than once`,
      positionIn(bc, cd.location),
    );
  }
  const raw = typeNameString(cd.typeName);
  const serial = names(cd.typeName.names).length === 1 ? SERIAL_TYPES[raw] : undefined;
  const type: SqlType = serial !== undefined ? { oid: serial, typmod: -1 } : resolveTypeName(cd.typeName);
  const col: ColumnDef = { name: cd.colname, type, notNull: cd.is_not_null === true, defaultExpr: null };
  if (serial !== undefined) {
    draft.serials.push({ col: draft.columns.length, oid: serial });
    col.notNull = true;
  }
  for (const c of cd.constraints ?? []) {
    const con = c.Constraint;
    switch (con.contype) {
      case 'CONSTR_NOTNULL':
        col.notNull = true;
        break;
      case 'CONSTR_NULL':
        break;
      case 'CONSTR_DEFAULT':
        if (serial !== undefined) {
          throw new SqlError(
            SqlState.SyntaxError,
            `multiple default values specified for column "${cd.colname}" of table "${tableName}"`,
            positionIn(bc, con.location),
          );
        }
        col.defaultExpr = con.raw_expr;
        break;
      case 'CONSTR_PRIMARY':
        setPrimary(
          draft,
          { cols: [cd.colname], name: con.conname ?? null, location: con.location },
          bc,
          tableName,
        );
        break;
      case 'CONSTR_UNIQUE':
        draft.uniques.push({ cols: [cd.colname], name: con.conname ?? null, location: con.location });
        break;
      default:
        throw new SqlError(
          SqlState.FeatureNotSupported,
          `constraint ${con.contype} is not supported`,
          positionIn(bc, con.location),
        );
    }
  }
  draft.columns.push(col);
}

function setPrimary(draft: TableDraft, pk: TableDraft['primary'], bc: BindCtx, tableName: string): void {
  if (draft.primary !== null) {
    throw new SqlError(
      SqlState.InvalidTableDefinition,
      `multiple primary keys for table "${tableName}" are not allowed`,
      positionIn(bc, pk!.location),
    );
  }
  draft.primary = pk;
}

function tableConstraint(draft: TableDraft, con: Ast, bc: BindCtx, tableName: string): void {
  const cols = (con.keys ?? []).map((k: Ast) => k.String.sval);
  if (con.contype === 'CONSTR_PRIMARY')
    setPrimary(draft, { cols, name: con.conname ?? null, location: con.location }, bc, tableName);
  else if (con.contype === 'CONSTR_UNIQUE')
    draft.uniques.push({ cols, name: con.conname ?? null, location: con.location });
  else
    throw new SqlError(
      SqlState.FeatureNotSupported,
      `constraint ${con.contype} is not supported`,
      positionIn(bc, con.location),
    );
}

function indexColumns(draft: TableDraft, cols: string[], bc: BindCtx, location: number): number[] {
  return cols.map((name) => {
    const i = draft.columns.findIndex((c) => c.name === name);
    if (i < 0)
      throw new SqlError(
        SqlState.UndefinedColumn,
        `column "${name}" named in key does not exist`,
        positionIn(bc, location),
      );
    return i;
  });
}

function sequenceDef(
  id: number,
  name: string,
  oid: number,
  ownedBy: SequenceDef['ownedBy'],
  hidden: boolean,
): SequenceDef {
  const max = oid === Oid.int2 ? 32767n : oid === Oid.int4 ? 2147483647n : INT8_MAX;
  return {
    kind: 'sequence',
    id,
    schema: 'public',
    name,
    start: 1n,
    increment: 1n,
    min: 1n,
    max,
    cycle: false,
    ownedBy,
    hidden,
  };
}

function buildTable(n: Ast, bc: BindCtx, ctx: ExecContext): { table: TableDef; sequences: SequenceDef[] } {
  const name: string = n.relation.relname;
  const draft: TableDraft = { columns: [], serials: [], primary: null, uniques: [] };
  for (const elt of n.tableElts ?? []) {
    if (elt.ColumnDef !== undefined) addColumn(draft, elt.ColumnDef, bc, name);
    else tableConstraint(draft, elt.Constraint, bc, name);
  }
  if (draft.columns.length > TABLE_COLUMNS_MAX) {
    throw new SqlError(SqlState.TooManyColumns, `tables can have at most ${TABLE_COLUMNS_MAX} columns`);
  }
  const taken = new Set<string>([name]);
  const tableId = ctx.allocateId();
  const sequences: SequenceDef[] = draft.serials.map((s) => {
    const col = draft.columns[s.col]!;
    const seqName = chooseName(bc, taken, `${name}_${col.name}_seq`);
    col.defaultExpr = {
      FuncCall: {
        funcname: [{ String: { sval: 'nextval' } }],
        args: [{ A_Const: { sval: { sval: seqName } } }],
      },
    };
    return sequenceDef(ctx.allocateId(), seqName, s.oid, { table: tableId, column: col.name }, false);
  });
  const indexes: IndexDef[] = [];
  if (draft.primary !== null) {
    const cols = indexColumns(draft, draft.primary.cols, bc, draft.primary.location);
    for (const c of cols) draft.columns[c]!.notNull = true;
    indexes.push({
      id: PRIMARY_INDEX_ID,
      name: draft.primary.name ?? chooseName(bc, taken, `${name}_pkey`),
      columns: cols,
      unique: true,
      primary: true,
    });
  }
  for (const u of draft.uniques) {
    const cols = indexColumns(draft, u.cols, bc, u.location);
    const base = `${name}_${u.cols.join('_')}_key`;
    indexes.push({
      id: PRIMARY_INDEX_ID + 1 + indexes.length,
      name: u.name ?? chooseName(bc, taken, base),
      columns: cols,
      unique: true,
      primary: false,
    });
  }
  let rowidSequence = 0;
  if (draft.primary === null) {
    const rowSeq = sequenceDef(
      ctx.allocateId(),
      `${name}$rowid`,
      Oid.int8,
      { table: tableId, column: '' },
      true,
    );
    sequences.push(rowSeq);
    rowidSequence = rowSeq.id;
  }
  const table: TableDef = {
    kind: 'table',
    id: tableId,
    schema: 'public',
    name,
    columns: draft.columns,
    indexes,
    rowidSequence,
  };
  return { table, sequences };
}

/** Checks each DEFAULT binds and converts to its column's type (errors at CREATE, as PG). */
function checkDefaults(table: TableDef, bc: BindCtx): void {
  table.columns.forEach((c, i) => {
    if (c.defaultExpr === null || c.defaultExpr.FuncCall?.funcname?.[0]?.String?.sval === 'nextval') return;
    const e = new ExprBinder(new Scope(null), bc, 'DEFAULT expressions').bind(c.defaultExpr);
    assignTo(table, i, e, bc, 'default expression');
  });
}

export function planCreateTable(n: Ast, bc: BindCtx): StatementPlan {
  const schema = schemaOf(n.relation, bc);
  if ((n.inhRelations ?? []).length > 0 || n.partspec !== undefined || n.ofTypename !== undefined) {
    throw new SqlError(
      SqlState.FeatureNotSupported,
      'CREATE TABLE with inheritance, partitions or OF type is not supported',
    );
  }
  const name: string = n.relation.relname;
  return {
    command: 'CREATE TABLE',
    columns: null,
    run(ctx) {
      if (bc.catalog.lookup(schema, name) !== undefined || bc.catalog.relationNameTaken(schema, name)) {
        if (n.if_not_exists)
          return { rows: [], count: 0, notice: `relation "${name}" already exists, skipping` };
        throw new SqlError(SqlState.DuplicateTable, `relation "${name}" already exists`);
      }
      const { table, sequences } = buildTable(n, bc, ctx);
      checkDefaults(table, bc);
      ctx.put('sql_catalog', objectKey(table.id), encodeObject(table));
      for (const s of sequences) ctx.put('sql_catalog', objectKey(s.id), encodeObject(s));
      return { rows: [], count: 0 };
    },
  };
}

function dropSequence(ctx: ExecContext, s: SequenceDef): void {
  ctx.del('sql_catalog', objectKey(s.id));
  ctx.del('sql_catalog', sequenceKey(s.id));
}

export function planDrop(n: Ast, bc: BindCtx): StatementPlan {
  const kind: string = n.removeType;
  if (kind !== 'OBJECT_TABLE' && kind !== 'OBJECT_SEQUENCE')
    throw new SqlError(SqlState.FeatureNotSupported, `DROP ${kind} is not supported`);
  const word = kind === 'OBJECT_TABLE' ? 'table' : 'sequence';
  return {
    command: kind === 'OBJECT_TABLE' ? 'DROP TABLE' : 'DROP SEQUENCE',
    columns: null,
    run(ctx) {
      const notices: string[] = [];
      for (const obj of n.objects) {
        const parts = names(obj.List.items);
        const name = parts[parts.length - 1]!;
        const o = parts.length === 1 || parts[0] === 'public' ? bc.catalog.lookup('public', name) : undefined;
        if (o === undefined || o.kind !== (kind === 'OBJECT_TABLE' ? 'table' : 'sequence')) {
          if (n.missing_ok) {
            notices.push(`${word} "${name}" does not exist, skipping`);
            continue;
          }
          throw new SqlError(SqlState.UndefinedTable, `${word} "${name}" does not exist`);
        }
        ctx.markDdl();
        ctx.del('sql_catalog', objectKey(o.id));
        if (o.kind === 'sequence') {
          dropSequence(ctx, o);
          continue;
        }
        const prefix = tablePrefix(o.id);
        ctx.delRange('sql_rows', prefix, prefixEnd(prefix));
        ctx.delRange('sql_index', prefix, prefixEnd(prefix));
        for (const s of bc.catalog.objects())
          if (s.kind === 'sequence' && s.ownedBy?.table === o.id) dropSequence(ctx, s);
      }
      return { rows: [], count: 0, ...(notices.length > 0 ? { notice: notices.join('\n') } : {}) };
    },
  };
}

export function planCreateSequence(n: Ast, bc: BindCtx): StatementPlan {
  const schema = schemaOf(n.sequence, bc);
  if ((n.options ?? []).length > 0)
    throw new SqlError(SqlState.FeatureNotSupported, 'CREATE SEQUENCE options are not supported yet');
  const name: string = n.sequence.relname;
  return {
    command: 'CREATE SEQUENCE',
    columns: null,
    run(ctx) {
      if (bc.catalog.relationNameTaken(schema, name)) {
        if (n.if_not_exists)
          return { rows: [], count: 0, notice: `relation "${name}" already exists, skipping` };
        throw new SqlError(SqlState.DuplicateTable, `relation "${name}" already exists`);
      }
      const seq = sequenceDef(ctx.allocateId(), name, Oid.int8, null, false);
      ctx.put('sql_catalog', objectKey(seq.id), encodeObject(seq));
      return { rows: [], count: 0 };
    },
  };
}
