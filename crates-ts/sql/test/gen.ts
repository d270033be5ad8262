/**
 * Seeded random schemas, rows and statements for the differential test: only what the
 * engine claims to support, in shapes where PostgreSQL's answer does not depend on the
 * physical row order (no float sums, no updates of unique columns, ORDER BY covering every
 * output column when there is a LIMIT).
 */
import { SeededRandom } from '@seshat/common';

export interface GenColumn {
  name: string;
  type: string;
  kind: 'int' | 'num' | 'float' | 'bool' | 'text' | 'date' | 'ts' | 'bytea';
  notNull: boolean;
  unique: boolean;
}

export interface GenTable {
  name: string;
  pk: boolean;
  columns: GenColumn[];
}

const TYPES: { type: string; kind: GenColumn['kind'] }[] = [
  { type: 'smallint', kind: 'int' },
  { type: 'integer', kind: 'int' },
  { type: 'bigint', kind: 'int' },
  { type: 'numeric(8,2)', kind: 'num' },
  { type: 'numeric', kind: 'num' },
  { type: 'double precision', kind: 'float' },
  { type: 'real', kind: 'float' },
  { type: 'boolean', kind: 'bool' },
  { type: 'text', kind: 'text' },
  { type: 'varchar(5)', kind: 'text' },
  { type: 'char(3)', kind: 'text' },
  { type: 'date', kind: 'date' },
  { type: 'timestamp', kind: 'ts' },
  { type: 'timestamptz', kind: 'ts' },
  { type: 'bytea', kind: 'bytea' },
];

const WORDS = ['a', 'b', 'ab', 'abc', 'B', 'Zed', 'é', 'x y', 'abcdef', '', 'a%', 'ÿz', 'b_c'];

export class Gen {
  readonly r: SeededRandom;
  constructor(seed: number) {
    this.r = new SeededRandom(seed);
  }

  int(n: number): number {
    return this.r.nextInt(n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.r.nextInt(xs.length)]!;
  }

  chance(p: number): boolean {
    return this.r.nextFloat() < p;
  }

  table(name: string): GenTable {
    const pk = this.chance(0.75);
    const columns: GenColumn[] = [];
    if (pk) columns.push({ name: 'id', type: 'integer', kind: 'int', notNull: true, unique: false });
    const n = 2 + this.int(4);
    for (let i = 0; i < n; i++) {
      const t = this.pick(TYPES);
      columns.push({
        name: `c${i}`,
        type: t.type,
        kind: t.kind,
        notNull: this.chance(0.2),
        unique: this.chance(0.1),
      });
    }
    return { name, pk, columns };
  }

  createSql(t: GenTable): string {
    const cols = t.columns.map((c, i) => {
      let s = `${c.name} ${c.type}`;
      if (t.pk && i === 0) s += ' primary key';
      if (c.notNull && !(t.pk && i === 0)) s += ' not null';
      if (c.unique) s += ' unique';
      return s;
    });
    return `create table ${t.name} (${cols.join(', ')})`;
  }

  literal(c: GenColumn): string {
    if (this.chance(0.12)) return 'null';
    switch (c.kind) {
      case 'int': {
        const v = this.chance(0.05)
          ? this.pick(['40000', '3000000000', '-32769'])
          : String(this.int(21) - 10);
        return v;
      }
      case 'num':
        return this.pick(['0', '1.5', '-2.25', '10.125', '1234567.891', '0.001', '3', '99999.995', '-0.5']);
      case 'float':
        return this.pick(['0.1', '1.5', '-2', '1e10', '3.25', "'NaN'", '1e-5', '123456.789', "'-Infinity'"]);
      case 'bool':
        return this.pick(['true', 'false', "'t'", "'no'"]);
      case 'text':
        return `'${this.pick(WORDS)}'`;
      case 'date':
        return this.pick(["'2024-01-31'", "'2000-02-29'", "'1999-12-31'", "'2024-02-30'", "'0044-03-15 BC'"]);
      case 'ts':
        return this.pick([
          "'2024-01-31 10:00:00'",
          "'2000-02-29 23:59:59.5'",
          "'1999-12-31 00:00:00.123456'",
          "'2024-06-01 12:30'",
        ]);
      case 'bytea':
        return this.pick(["'\\x00ff'", "'\\x'", "'abc'", "'\\x41'"]);
    }
  }

  insertSql(t: GenTable, nextId: () => number): string {
    const rows: string[] = [];
    const n = 1 + this.int(4);
    for (let i = 0; i < n; i++) {
      const vals = t.columns.map((c, j) =>
        t.pk && j === 0 ? String(this.chance(0.1) ? this.int(5) : nextId()) : this.literal(c),
      );
      rows.push(`(${vals.join(', ')})`);
    }
    const returning = this.chance(0.3) ? ` returning ${this.pick(t.columns).name}` : '';
    return `insert into ${t.name} values ${rows.join(', ')}${returning}`;
  }

  /** A boolean condition over the table's columns. */
  condition(t: GenTable, depth = 0): string {
    const c = this.pick(t.columns);
    const k = this.int(depth < 2 ? 7 : 4);
    switch (k) {
      case 0:
        return `${c.name} is ${this.chance(0.5) ? '' : 'not '}null`;
      case 1:
      case 2:
      case 3:
        return `${c.name} ${this.pick(['=', '<>', '<', '>=', '<='])} ${this.literal({ ...c })}`;
      case 4:
        return `(${this.condition(t, depth + 1)}) ${this.pick(['and', 'or'])} (${this.condition(t, depth + 1)})`;
      case 5:
        return `not (${this.condition(t, depth + 1)})`;
      default:
        return c.kind === 'text'
          ? `${c.name} like '${this.pick(['a%', '%b%', '_', 'a_c', '%'])}'`
          : `${c.name} in (${this.literal(c)}, ${this.literal(c)})`;
    }
  }

  /** A scalar expression over one column (its type decides what is well-typed). */
  expression(t: GenTable): string {
    const c = this.pick(t.columns);
    const other = this.pick(t.columns.filter((x) => x.kind === c.kind));
    switch (c.kind) {
      case 'int':
      case 'num':
        return this.pick([
          `${c.name} + ${other.name}`,
          `${c.name} * 3`,
          `${c.name} / ${this.pick(['2', '0', '-3', '2.0'])}`,
          `${c.name} % 4`,
          `-${c.name}`,
          `abs(${c.name})`,
          `round(${c.name})`,
        ]);
      case 'float':
        return this.pick([`${c.name} * 2`, `${c.name} + 0.5`, `${c.name} / 4`, `${c.name}::integer`]);
      case 'text':
        return this.pick([
          `${c.name} || 'x'`,
          `upper(${c.name})`,
          `length(${c.name})`,
          `coalesce(${c.name}, 'none')`,
          `${c.name}::varchar(2)`,
          `nullif(${c.name}, 'a')`,
        ]);
      case 'date':
        return this.pick([`${c.name} + 1`, `${c.name} - date '2000-01-01'`, `${c.name}::timestamp`]);
      case 'bool':
        return this.pick([
          `not ${c.name}`,
          `${c.name} and true`,
          `${c.name}::int`,
          `case when ${c.name} then 'yes' else 'no' end`,
        ]);
      default:
        return this.pick([c.name, `${c.name}::text`, `${c.name} is null`]);
    }
  }

  select(t: GenTable, tables: readonly GenTable[]): string {
    switch (this.int(8)) {
      case 0:
        return this.aggregateQuery(t);
      case 1: {
        const other = this.pick(tables);
        return `select ${t.name}.${this.pick(t.columns).name}, o.${this.pick(other.columns).name} from ${t.name} ${this.pick(['left join', 'join'])} ${other.name} o on ${this.joinCondition(t, other)}`;
      }
      case 2: {
        const c = this.pick(t.columns);
        return `select ${c.name} from ${t.name} where ${c.name} in (select ${c.name} from ${t.name} where ${this.condition(t)})`;
      }
      case 3:
        return `select count(*), (select max(${this.pick(t.columns).name}) from ${t.name}) from ${t.name} where exists (select 1 from ${t.name} x where ${this.condition(t)})`;
      case 4: {
        const c = this.pick(t.columns);
        return `select distinct ${c.name} from ${t.name}${this.chance(0.5) ? ` order by ${c.name}` : ''}`;
      }
      default: {
        const exprs = [this.expression(t), this.expression(t)];
        const where = this.chance(0.7) ? ` where ${this.condition(t)}` : '';
        const order = this.chance(0.5)
          ? ` order by ${exprs.map((_e, i) => `${i + 1}${this.chance(0.3) ? ' desc' : ''}`).join(', ')}${this.chance(0.5) ? ' limit 3 offset 1' : ''}`
          : '';
        return `select ${exprs.join(', ')} from ${t.name}${where}${order}`;
      }
    }
  }

  private joinCondition(t: GenTable, o: GenTable): string {
    const pairs = t.columns.flatMap((a) =>
      o.columns.filter((b) => b.kind === a.kind).map((b) => [a, b] as const),
    );
    if (pairs.length === 0) return 'true';
    const [a, b] = this.pick(pairs);
    return `${t.name}.${a.name} = o.${b.name}`;
  }

  private aggregateQuery(t: GenTable): string {
    const g = this.pick(t.columns);
    const aggs: string[] = ['count(*)'];
    for (const c of t.columns) {
      if (c.kind === 'int' || c.kind === 'num')
        aggs.push(
          this.pick([`sum(${c.name})`, `avg(${c.name})`, `max(${c.name})`, `count(distinct ${c.name})`]),
        );
      else if (c.kind !== 'bool' && c.kind !== 'float')
        aggs.push(this.pick([`min(${c.name})`, `max(${c.name})`, `count(${c.name})`]));
      else if (c.kind === 'bool') aggs.push(this.pick([`bool_and(${c.name})`, `bool_or(${c.name})`]));
    }
    const having = this.chance(0.3) ? ' having count(*) > 1' : '';
    return `select ${g.name}, ${aggs.slice(0, 3).join(', ')} from ${t.name} group by ${g.name}${having}`;
  }

  update(t: GenTable): string {
    const settable = t.columns.filter((c, i) => !(t.pk && i === 0) && !c.unique);
    if (settable.length === 0) return `delete from ${t.name} where ${this.condition(t)}`;
    const c = this.pick(settable);
    const value = this.chance(0.5)
      ? this.literal(c)
      : c.kind === 'int' || c.kind === 'num'
        ? `${c.name} + 1`
        : this.literal(c);
    return `update ${t.name} set ${c.name} = ${value} where ${this.condition(t)}${this.chance(0.4) ? ` returning ${this.pick(t.columns).name}` : ''}`;
  }

  remove(t: GenTable): string {
    return `delete from ${t.name} where ${this.condition(t)}${this.chance(0.4) ? ` returning ${this.pick(t.columns).name}` : ''}`;
  }
}
