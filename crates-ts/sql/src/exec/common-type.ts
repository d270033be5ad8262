/**
 * PG's select_common_type: the type CASE branches, COALESCE arguments, VALUES columns and
 * IN lists resolve to. Unknown literals follow the others (all unknown: text); within the
 * numeric category the widest type wins; strings resolve to text unless all are the same.
 */
import { formatType, Oid, type SqlType, T, typeInfo } from '../types/oids.js';
import { type BoundExpr, type CoerceCtx, coerceOrThrow, datatypeMismatch } from './bound.js';

const DATETIME_RANK: Record<number, number> = { [Oid.date]: 0, [Oid.timestamp]: 1, [Oid.timestamptz]: 2 };

export function commonType(exprs: readonly BoundExpr[], what: string, cx: CoerceCtx): SqlType {
  let out: SqlType | null = null;
  let outExpr: BoundExpr | null = null;
  for (const e of exprs) {
    if (e.type.oid === Oid.unknown) continue;
    if (out === null || outExpr === null) {
      out = e.type;
      outExpr = e;
      continue;
    }
    const a = typeInfo(out.oid);
    const b = typeInfo(e.type.oid);
    if (a.category !== b.category) {
      throw datatypeMismatch(
        `${what} types ${formatType({ oid: out.oid, typmod: -1 })} and ${formatType({ oid: e.type.oid, typmod: -1 })} cannot be matched`,
        cx,
        e.location,
      );
    }
    if (out.oid === e.type.oid) {
      if (out.typmod !== e.type.typmod) out = { oid: out.oid, typmod: -1 };
      continue;
    }
    if (a.category === 'N')
      out = b.numericRank > a.numericRank ? { oid: e.type.oid, typmod: -1 } : { oid: out.oid, typmod: -1 };
    else if (a.category === 'S') out = T.text;
    else if (a.category === 'D') out = DATETIME_RANK[e.type.oid]! > DATETIME_RANK[out.oid]! ? e.type : out;
    else
      throw datatypeMismatch(
        `${what} types ${formatType(out)} and ${formatType(e.type)} cannot be matched`,
        cx,
        e.location,
      );
  }
  if (out === null) return T.text;
  // a typmod survives only if every input has it (an unknown literal has none)
  return exprs.some((e) => e.type.oid === Oid.unknown) ? { oid: out.oid, typmod: -1 } : out;
}

export function coerceAll(exprs: readonly BoundExpr[], t: SqlType, cx: CoerceCtx): BoundExpr[] {
  return exprs.map((e) => coerceOrThrow(e, t, 'implicit', cx));
}
