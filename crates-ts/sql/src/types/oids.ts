/**
 * The SQL types the engine knows, by PostgreSQL type OID (pg_type.oid: the wire protocol
 * sends these), with the names PG uses for them: `name` in pg_type (also the column name of
 * a bare cast, `select 1::int4` shows `int4`) and `display` in error messages (format_type).
 */
import type { Numeric } from './numeric.js';

export const Oid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
} as const;

/** A column's or expression's type: OID and PG's typmod (-1: none; varchar(n): n + 4, ...). */
export interface SqlType {
  readonly oid: number;
  readonly typmod: number;
}

/**
 * A value in memory: null is SQL NULL. int2/int4/float4/float8: number; int8: bigint;
 * numeric: Numeric; bool: boolean; text/varchar/bpchar: string (bpchar padded); bytea:
 * Buffer; date: days since 1970-01-01 (number); timestamp/timestamptz: microseconds since
 * 1970-01-01 UTC (bigint).
 */
export type Value = null | number | bigint | boolean | string | Buffer | Numeric;

/** PG's type categories (pg_type.typcategory), used by operator and literal resolution. */
export type Category = 'B' | 'N' | 'S' | 'D' | 'U' | 'X';

export interface TypeInfo {
  readonly oid: number;
  readonly name: string;
  readonly display: string;
  readonly category: Category;
  /** Position in the implicit numeric promotion order (int2 < int4 < int8 < numeric < float4 < float8). */
  readonly numericRank: number;
}

const INFO: readonly TypeInfo[] = [
  { oid: Oid.bool, name: 'bool', display: 'boolean', category: 'B', numericRank: -1 },
  { oid: Oid.bytea, name: 'bytea', display: 'bytea', category: 'U', numericRank: -1 },
  { oid: Oid.int2, name: 'int2', display: 'smallint', category: 'N', numericRank: 0 },
  { oid: Oid.int4, name: 'int4', display: 'integer', category: 'N', numericRank: 1 },
  { oid: Oid.int8, name: 'int8', display: 'bigint', category: 'N', numericRank: 2 },
  { oid: Oid.numeric, name: 'numeric', display: 'numeric', category: 'N', numericRank: 3 },
  { oid: Oid.float4, name: 'float4', display: 'real', category: 'N', numericRank: 4 },
  { oid: Oid.float8, name: 'float8', display: 'double precision', category: 'N', numericRank: 5 },
  { oid: Oid.text, name: 'text', display: 'text', category: 'S', numericRank: -1 },
  { oid: Oid.varchar, name: 'varchar', display: 'character varying', category: 'S', numericRank: -1 },
  { oid: Oid.bpchar, name: 'bpchar', display: 'character', category: 'S', numericRank: -1 },
  { oid: Oid.date, name: 'date', display: 'date', category: 'D', numericRank: -1 },
  {
    oid: Oid.timestamp,
    name: 'timestamp',
    display: 'timestamp without time zone',
    category: 'D',
    numericRank: -1,
  },
  {
    oid: Oid.timestamptz,
    name: 'timestamptz',
    display: 'timestamp with time zone',
    category: 'D',
    numericRank: -1,
  },
  { oid: Oid.unknown, name: 'unknown', display: 'unknown', category: 'X', numericRank: -1 },
];

const BY_OID = new Map(INFO.map((t) => [t.oid, t]));
const BY_NAME = new Map(INFO.map((t) => [t.name, t]));

export function typeInfo(oid: number): TypeInfo {
  const t = BY_OID.get(oid);
  if (t === undefined) throw new Error(`unknown type oid ${oid}`);
  return t;
}

export function typeByName(name: string): TypeInfo | undefined {
  return BY_NAME.get(name);
}

export function isKnownOid(oid: number): boolean {
  return BY_OID.has(oid);
}

export function sqlType(oid: number, typmod = -1): SqlType {
  return { oid, typmod };
}

export const T = {
  bool: sqlType(Oid.bool),
  bytea: sqlType(Oid.bytea),
  int2: sqlType(Oid.int2),
  int4: sqlType(Oid.int4),
  int8: sqlType(Oid.int8),
  numeric: sqlType(Oid.numeric),
  float4: sqlType(Oid.float4),
  float8: sqlType(Oid.float8),
  text: sqlType(Oid.text),
  varchar: sqlType(Oid.varchar),
  bpchar: sqlType(Oid.bpchar),
  date: sqlType(Oid.date),
  timestamp: sqlType(Oid.timestamp),
  timestamptz: sqlType(Oid.timestamptz),
  unknown: sqlType(Oid.unknown),
} as const;

/** VARHDRSZ: PG stores varchar(n) / char(n) typmods as n + 4. */
export const VARHDRSZ = 4;

/** PG's format_type_with_typemod: `character varying(10)`, `numeric(10,2)`, `integer`. */
export function formatType(t: SqlType): string {
  const info = typeInfo(t.oid);
  if (t.typmod < 0) return info.display;
  switch (t.oid) {
    case Oid.varchar:
    case Oid.bpchar:
      return `${info.display}(${t.typmod - VARHDRSZ})`;
    case Oid.numeric: {
      const m = t.typmod - VARHDRSZ;
      return `numeric(${(m >> 16) & 0xffff},${m & 0xffff})`;
    }
    case Oid.timestamp:
      return `timestamp(${t.typmod}) without time zone`;
    case Oid.timestamptz:
      return `timestamp(${t.typmod}) with time zone`;
    default:
      return info.display;
  }
}

export function isNumericCategory(oid: number): boolean {
  return typeInfo(oid).category === 'N';
}

export function isStringCategory(oid: number): boolean {
  return typeInfo(oid).category === 'S';
}
