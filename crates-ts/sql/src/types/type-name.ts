/**
 * Resolves a parse tree TypeName (`integer`, `varchar(10)`, `numeric(12,2)`, `timestamp(3)
 * with time zone`, `serial`) to a type and typmod, as PG's typenameTypeIdAndMod, with its
 * errors (42704 unknown type, 22023 bad typmods).
 */
import { SqlError, SqlState, positionOf } from '../errors.js';
import { type Ast, names } from '../parse.js';
import { NUMERIC_PRECISION_MAX } from './numeric.js';
import { Oid, type SqlType, typeByName, VARHDRSZ } from './oids.js';

/** Longest varchar(n) / char(n) PG accepts (MaxAttrSize 10 MB). */
const CHAR_LENGTH_MAX = 10 * 1024 * 1024;
/** Most fractional second digits of timestamp(p). */
const TIMESTAMP_PRECISION_MAX = 6;

const ALIASES: Record<string, string> = {
  int: 'int4',
  integer: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  real: 'float4',
  float: 'float8',
  decimal: 'numeric',
  boolean: 'bool',
  character: 'bpchar',
  char: 'bpchar',
  'character varying': 'varchar',
};

export const SERIAL_TYPES: Record<string, number> = {
  serial: Oid.int4,
  serial4: Oid.int4,
  bigserial: Oid.int8,
  serial8: Oid.int8,
  smallserial: Oid.int2,
  serial2: Oid.int2,
};

function typmodArgs(typeName: Ast): number[] {
  return (typeName.typmods ?? []).map((m: Ast) => {
    const c = m.A_Const;
    if (c?.ival !== undefined) return c.ival.ival ?? 0;
    throw new SqlError(
      SqlState.SyntaxError,
      'type modifiers must be simple constants or identifiers',
      positionOf(typeName.location),
    );
  });
}

function charTypmod(display: string, args: number[], location: number): number {
  const n = args[0]!;
  if (n < 1)
    throw new SqlError(
      SqlState.InvalidParameterValue,
      `length for type ${display} must be at least 1`,
      positionOf(location),
    );
  if (n > CHAR_LENGTH_MAX) {
    throw new SqlError(
      SqlState.InvalidParameterValue,
      `length for type ${display} cannot exceed ${CHAR_LENGTH_MAX}`,
      positionOf(location),
    );
  }
  return n + VARHDRSZ;
}

function numericTypmod(args: number[], location: number): number {
  const [p, s = 0] = args;
  if (p! < 1 || p! > NUMERIC_PRECISION_MAX) {
    throw new SqlError(
      SqlState.InvalidParameterValue,
      `NUMERIC precision ${p} must be between 1 and ${NUMERIC_PRECISION_MAX}`,
      positionOf(location),
    );
  }
  if (s < 0 || s > p!) {
    throw new SqlError(
      SqlState.InvalidParameterValue,
      `NUMERIC scale ${s} must be between 0 and precision ${p}`,
      positionOf(location),
    );
  }
  return ((p! << 16) | s) + VARHDRSZ;
}

function typmodFor(oid: number, args: number[], location: number): number {
  if (args.length === 0) return oid === Oid.bpchar ? 1 + VARHDRSZ : -1;
  switch (oid) {
    case Oid.varchar:
      return charTypmod('character varying', args, location);
    case Oid.bpchar:
      return charTypmod('character', args, location);
    case Oid.numeric:
      return numericTypmod(args, location);
    case Oid.timestamp:
    case Oid.timestamptz:
      return Math.min(Math.max(args[0]!, 0), TIMESTAMP_PRECISION_MAX);
    default:
      throw new SqlError(
        SqlState.SyntaxError,
        `type modifier is not allowed for type "${typeByNameOid(oid)}"`,
        positionOf(location),
      );
  }
}

function typeByNameOid(oid: number): string {
  return Object.entries(Oid).find(([, v]) => v === oid)?.[0] ?? String(oid);
}

/** The bare name of a TypeName (`pg_catalog.int4` -> int4, `serial` -> serial). */
export function typeNameString(typeName: Ast): string {
  const parts = names(typeName.names);
  return parts[parts.length - 1]!;
}

export function resolveTypeName(typeName: Ast): SqlType {
  if ((typeName.arrayBounds ?? []).length > 0) {
    throw new SqlError(
      SqlState.FeatureNotSupported,
      'array types are not supported',
      positionOf(typeName.location),
    );
  }
  const parts = names(typeName.names);
  const raw = parts[parts.length - 1]!;
  const schema = parts.length > 1 ? parts[0] : null;
  const name = ALIASES[raw] ?? raw;
  let args = typmodArgs(typeName);
  let info = schema === null || schema === 'pg_catalog' ? typeByName(name) : undefined;
  if (name === 'float8' && raw === 'float' && args.length > 0) {
    // float(p): p <= 24 is real, else double precision
    info = typeByName(args[0]! <= 24 ? 'float4' : 'float8');
    args = [];
  }
  if (info === undefined || info.oid === Oid.unknown) {
    const shown = schema === null || schema === 'pg_catalog' ? raw : `${schema}.${raw}`;
    throw new SqlError(
      SqlState.UndefinedObject,
      `type "${shown}" does not exist`,
      positionOf(typeName.location),
    );
  }
  return { oid: info.oid, typmod: typmodFor(info.oid, args, typeName.location) };
}
