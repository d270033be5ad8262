/**
 * Name resolution: the FROM clause's range items (a table or subquery under an alias, with
 * its columns at offsets in the joined row) and the enclosing query's scope for correlated
 * references. Errors as PG's: 42703 unknown column, 42702 ambiguous, 42P01 missing FROM item.
 */
import type { Catalog } from '../catalog.js';
import { SqlError, SqlState } from '../errors.js';
import type { SqlType } from '../types/oids.js';
import { type CoerceCtx, type ParamTypes, positionIn } from './bound.js';

export interface ScopeColumn {
  readonly name: string;
  readonly type: SqlType;
  /** Offset in the row the scope describes. */
  readonly index: number;
  /** The range item's alias (PG names columns `alias.name` in some errors). */
  readonly rel: string;
}

export interface RangeItem {
  readonly alias: string;
  readonly columns: ScopeColumn[];
}

/** Everything binding needs beyond the scope: catalog, parameter types, statement text. */
export interface BindCtx extends CoerceCtx {
  readonly catalog: Catalog;
  readonly params: ParamTypes;
  readonly sql: string;
}

export interface ResolvedColumn {
  readonly column: ScopeColumn;
  /** 0: this query's row; 1: the enclosing query's; ... */
  readonly level: number;
}

export class Scope {
  readonly items: RangeItem[] = [];
  width = 0;
  /** Set when a name resolved to an enclosing scope (the query is correlated). */
  usedOuter = false;

  constructor(readonly parent: Scope | null) {}

  add(alias: string, columns: readonly { name: string; type: SqlType }[]): RangeItem {
    const item: RangeItem = {
      alias,
      columns: columns.map((c, i) => ({ name: c.name, type: c.type, index: this.width + i, rel: alias })),
    };
    this.width += columns.length;
    this.items.push(item);
    return item;
  }

  private findLocal(
    qualifier: string | null,
    name: string,
    cx: CoerceCtx,
    location: number,
  ): ScopeColumn | null {
    let found: ScopeColumn | null = null;
    for (const item of this.items) {
      if (qualifier !== null && item.alias !== qualifier) continue;
      for (const c of item.columns) {
        if (c.name !== name) continue;
        if (found !== null) {
          throw new SqlError(
            SqlState.AmbiguousColumn,
            `column reference "${name}" is ambiguous`,
            positionIn(cx, location),
          );
        }
        found = c;
      }
    }
    return found;
  }

  hasAlias(alias: string): boolean {
    return this.items.some((i) => i.alias === alias);
  }

  resolve(qualifier: string | null, name: string, cx: CoerceCtx, location: number): ResolvedColumn {
    let level = 0;
    for (let s: Scope | null = this; s !== null; s = s.parent, level++) {
      if (qualifier !== null && !s.hasAlias(qualifier)) continue;
      const c = s.findLocal(qualifier, name, cx, location);
      if (c !== null) {
        for (let t: Scope | null = this, i = 0; i < level && t !== null; t = t.parent, i++)
          t.usedOuter = true;
        return { column: c, level };
      }
      if (qualifier !== null) {
        throw new SqlError(
          SqlState.UndefinedColumn,
          `column ${qualifier}.${name} does not exist`,
          positionIn(cx, location),
        );
      }
    }
    if (qualifier !== null) {
      throw new SqlError(
        SqlState.UndefinedTable,
        `missing FROM-clause entry for table "${qualifier}"`,
        positionIn(cx, location),
      );
    }
    throw new SqlError(SqlState.UndefinedColumn, `column "${name}" does not exist`, positionIn(cx, location));
  }

  /** Every column of one item (`t.*`) or of all items (`*`), in order. */
  star(qualifier: string | null, cx: CoerceCtx, location: number): ScopeColumn[] {
    if (qualifier === null) return this.items.flatMap((i) => i.columns);
    const item = this.items.find((i) => i.alias === qualifier);
    if (item === undefined) {
      throw new SqlError(
        SqlState.UndefinedTable,
        `missing FROM-clause entry for table "${qualifier}"`,
        positionIn(cx, location),
      );
    }
    return item.columns;
  }
}
