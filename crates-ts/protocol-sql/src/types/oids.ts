/** Type OIDs of the built-in types this package converts (pg_type.oid, stable across versions). */
export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

const NAMES = new Map<number, string>([
  [OID.bool, 'boolean'],
  [OID.bytea, 'bytea'],
  [OID.char, '"char"'],
  [OID.name, 'name'],
  [OID.int8, 'bigint'],
  [OID.int2, 'smallint'],
  [OID.int4, 'integer'],
  [OID.text, 'text'],
  [OID.oid, 'oid'],
  [OID.json, 'json'],
  [OID.float4, 'real'],
  [OID.float8, 'double precision'],
  [OID.unknown, 'unknown'],
  [OID.bpchar, 'character'],
  [OID.varchar, 'character varying'],
  [OID.date, 'date'],
  [OID.time, 'time without time zone'],
  [OID.timestamp, 'timestamp without time zone'],
  [OID.timestamptz, 'timestamp with time zone'],
  [OID.interval, 'interval'],
  [OID.numeric, 'numeric'],
  [OID.uuid, 'uuid'],
  [OID.jsonb, 'jsonb'],
]);

/** format_type-like name for messages; unknown OIDs print as the number (as PostgreSQL's `???`-free fallback). */
export function typeName(oid: number): string {
  return NAMES.get(oid) ?? String(oid);
}

/** pg_type.typlen of the built-in types (-1 for variable length and unknown types). */
export function typeSize(oid: number): number {
  switch (oid) {
    case OID.bool:
    case OID.char:
      return 1;
    case OID.int2:
      return 2;
    case OID.int4:
    case OID.oid:
    case OID.float4:
    case OID.date:
      return 4;
    case OID.int8:
    case OID.float8:
    case OID.time:
    case OID.timestamp:
    case OID.timestamptz:
      return 8;
    case OID.interval:
    case OID.uuid:
      return 16;
    case OID.name:
      return 64;
    case OID.unknown:
      return -2;
    default:
      return -1;
  }
}
