/**
 * PG's FigureColname: the name a result column gets when the select list gives none. A
 * column reference gives its name, a function its name, a cast its argument's name or else
 * the type's name, CASE `case`, EXISTS `exists`, a scalar subquery its column's name, and
 * anything else `?column?`.
 */
import { type Ast, names, nodeTag } from '../parse.js';

const UNKNOWN_NAME = '?column?';

/** [name, strength]: 2 a real name, 1 a weak one (a cast's type yields to it), 0 none. */
function figure(node: Ast): [string, number] {
  const tag = nodeTag(node);
  const n = node[tag];
  switch (tag) {
    case 'ColumnRef': {
      const parts = names(n.fields);
      const last = parts[parts.length - 1]!;
      return last === '*' ? [UNKNOWN_NAME, 0] : [last, 2];
    }
    case 'FuncCall': {
      const parts = names(n.funcname);
      return [parts[parts.length - 1]!, 2];
    }
    case 'TypeCast': {
      const [name, strength] = figure(n.arg);
      if (strength > 1) return [name, strength];
      const tn = names(n.typeName.names);
      return [tn[tn.length - 1]!, 1];
    }
    case 'A_Expr':
      return n.kind === 'AEXPR_NULLIF' ? ['nullif', 2] : [UNKNOWN_NAME, 0];
    case 'CaseExpr':
      return ['case', 1];
    case 'CoalesceExpr':
      return ['coalesce', 2];
    case 'MinMaxExpr':
      return [n.op === 'IS_GREATEST' ? 'greatest' : 'least', 2];
    case 'SubLink':
      return subLinkName(n);
    case 'SQLValueFunction':
      return [SQL_VALUE_NAMES[n.op as string] ?? UNKNOWN_NAME, 2];
    default:
      return [UNKNOWN_NAME, 0];
  }
}

const SQL_VALUE_NAMES: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
};

function subLinkName(n: Ast): [string, number] {
  if (n.subLinkType === 'EXISTS_SUBLINK') return ['exists', 2];
  if (n.subLinkType !== 'EXPR_SUBLINK') return [UNKNOWN_NAME, 0];
  const target = n.subselect.SelectStmt?.targetList?.[0]?.ResTarget;
  if (target === undefined) return [UNKNOWN_NAME, 0];
  if (target.name !== undefined) return [target.name, 2];
  return figure(target.val);
}

export function columnName(node: Ast): string {
  return figure(node)[0];
}
