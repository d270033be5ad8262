/**
 * The catalog: tables (columns, types, defaults, NOT NULL, primary key, unique constraints)
 * and sequences, kept in the `sql_catalog` column family and changed only by applied log
 * entries (DDL statements produce catalog writes in their write set, like rows).
 *
 * Layout of `sql_catalog`:
 * - `CATALOG_VERSION_KEY` -> version (8 bytes BE) and next object id (4 bytes BE). Every DDL
 *   write set bumps the version and every statement's write set expects the version it was
 *   planned against, so a statement never applies over a catalog it did not see.
 * - `OBJECT_PREFIX + id (4 bytes BE)` -> the object's descriptor as JSON.
 * - `SEQUENCE_PREFIX + id (4 bytes BE)` -> a sequence's last value (8 bytes BE signed) and
 *   is_called (1 byte). Sequence values change without bumping the version.
 */
import { assert } from '@seshat/common';
import type { StorageReader } from '@seshat/storage';
import type { Ast } from './parse.js';
import type { SqlType } from './types/oids.js';

export const CATALOG_VERSION_KEY = Buffer.from([0x01]);
export const OBJECT_PREFIX = 0x02;
export const SEQUENCE_PREFIX = 0x03;
/** First object id handed out (ids below are reserved for built-in objects). */
export const FIRST_OBJECT_ID = 16384;
/** PG's NAMEDATALEN - 1: identifiers are truncated to this many bytes. */
export const IDENTIFIER_BYTES_MAX = 63;
/** PG's MaxHeapAttributeNumber. */
export const TABLE_COLUMNS_MAX = 1600;

export interface ColumnDef {
  name: string;
  type: SqlType;
  notNull: boolean;
  /** The DEFAULT expression's parse tree (libpg-query JSON), or null. */
  defaultExpr: Ast | null;
}

export interface IndexDef {
  id: number;
  name: string;
  /** Column positions in the table. */
  columns: number[];
  unique: boolean;
  primary: boolean;
}

export interface TableDef {
  kind: 'table';
  id: number;
  schema: string;
  name: string;
  columns: ColumnDef[];
  /** Index 0 is the primary key when the table has one; its id is PRIMARY_INDEX_ID. */
  indexes: IndexDef[];
  /** The sequence of the hidden rowid of a table without a primary key, else 0. */
  rowidSequence: number;
}

export interface SequenceDef {
  kind: 'sequence';
  id: number;
  schema: string;
  name: string;
  start: bigint;
  increment: bigint;
  min: bigint;
  max: bigint;
  cycle: boolean;
  /** The table and column (name) that own it (serial), or null. */
  ownedBy: { table: number; column: string } | null;
  /** Sequences for hidden rowids are not visible by name. */
  hidden: boolean;
}

export type CatalogObject = TableDef | SequenceDef;

export const PRIMARY_INDEX_ID = 1;

export function objectKey(id: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = OBJECT_PREFIX;
  b.writeUInt32BE(id, 1);
  return b;
}

export function sequenceKey(id: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = SEQUENCE_PREFIX;
  b.writeUInt32BE(id, 1);
  return b;
}

export function encodeVersion(version: bigint, nextId: number): Buffer {
  const b = Buffer.allocUnsafe(12);
  b.writeBigUInt64BE(version, 0);
  b.writeUInt32BE(nextId, 8);
  return b;
}

export function encodeObject(o: CatalogObject): Buffer {
  return Buffer.from(
    JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? { $big: v.toString() } : v)),
    'utf8',
  );
}

function decodeObject(b: Buffer): CatalogObject {
  return JSON.parse(b.toString('utf8'), (_k, v) =>
    v !== null && typeof v === 'object' && typeof v.$big === 'string' ? BigInt(v.$big) : v,
  ) as CatalogObject;
}

export interface SequenceState {
  last: bigint;
  called: boolean;
}

export function encodeSequenceState(s: SequenceState): Buffer {
  const b = Buffer.allocUnsafe(9);
  b.writeBigInt64BE(s.last, 0);
  b[8] = s.called ? 1 : 0;
  return b;
}

export function decodeSequenceState(b: Buffer): SequenceState {
  return { last: b.readBigInt64BE(0), called: b[8] === 1 };
}

/** An immutable view of the catalog at one version, rebuilt after each applied DDL. */
export class Catalog {
  private readonly byName = new Map<string, CatalogObject>();
  private readonly byId = new Map<number, CatalogObject>();

  constructor(
    readonly version: bigint,
    readonly nextId: number,
    readonly versionRecord: Buffer | undefined,
    objects: readonly CatalogObject[],
  ) {
    for (const o of objects) {
      this.byId.set(o.id, o);
      if (o.kind === 'table' || !o.hidden) this.byName.set(`${o.schema}.${o.name}`, o);
    }
  }

  static load(reader: StorageReader): Catalog {
    const raw = reader.get('sql_catalog', CATALOG_VERSION_KEY);
    const version = raw === undefined ? 0n : raw.readBigUInt64BE(0);
    const nextId = raw === undefined ? FIRST_OBJECT_ID : raw.readUInt32BE(8);
    const objects: CatalogObject[] = [];
    const it = reader.iterator('sql_catalog', { gte: objectKey(0), lt: Buffer.from([OBJECT_PREFIX + 1]) });
    try {
      for (let rows = it.nextBatch(256); rows.length > 0; rows = it.nextBatch(256)) {
        for (let i = 0; i < rows.length; i += 2) objects.push(decodeObject(rows[i + 1]!));
      }
    } finally {
      it.close();
    }
    return new Catalog(version, nextId, raw, objects);
  }

  lookup(schema: string, name: string): CatalogObject | undefined {
    return this.byName.get(`${schema}.${name}`);
  }

  get(id: number): CatalogObject | undefined {
    return this.byId.get(id);
  }

  table(id: number): TableDef {
    const t = this.byId.get(id);
    assert(t !== undefined && t.kind === 'table', `no table ${id}`);
    return t;
  }

  objects(): IterableIterator<CatalogObject> {
    return this.byId.values();
  }

  /** Every index name in a schema (index names share the namespace of relations in PG). */
  relationNameTaken(schema: string, name: string): boolean {
    if (this.byName.has(`${schema}.${name}`)) return true;
    for (const o of this.byId.values()) {
      if (o.kind === 'table' && o.schema === schema && o.indexes.some((i) => i.name === name)) return true;
    }
    return false;
  }
}
