// Differential test against PostgreSQL itself (PGlite: PG built to WebAssembly): for many
// seeds, a random schema (1-3 tables of random column types and constraints), random
// multi-row INSERTs (with bad values, NULLs into NOT NULL, duplicate keys), SELECTs
// (expressions, WHERE, joins, GROUP BY/HAVING with aggregates, DISTINCT, ORDER BY/LIMIT,
// IN/EXISTS/scalar subqueries), UPDATEs and DELETEs with RETURNING run on the engine and on
// PGlite. Every statement must give the same SQLSTATE, or the same command count, column
// names, column type OIDs and text-format rows (as a multiset unless the query orders every
// output column). A failure prints the seed and the statement.
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';
import { SqlError } from '../src/errors.js';
import { loadParser } from '../src/parse.js';
import { LocalCommitter, SqlEngine, type SqlResult, type SqlSession } from '../src/session.js';
import { SqlStateMachine } from '../src/state-machine.js';
import { Gen, type GenTable } from './gen.js';
import { type OracleOutcome, PgOracle } from './pglite-oracle.js';

const SEEDS = Number(process.env.SQL_DIFF_SEEDS ?? 40);
const FIRST_SEED = Number(process.env.SQL_DIFF_SEED ?? 1);
const STATEMENTS_PER_SEED = 60;

type Outcome = { result?: SqlResult; error?: { code: string; message: string } };

async function runOurs(session: SqlSession, sql: string): Promise<Outcome> {
  try {
    const [result] = await session.simple(sql);
    return { result: result! };
  } catch (e) {
    if (e instanceof SqlError) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}

function canonical(rows: (string | null)[][], ordered: boolean): string[] {
  const lines = rows.map((r) => JSON.stringify(r));
  return ordered ? lines : lines.sort();
}

function compare(sql: string, ours: Outcome, theirs: OracleOutcome): string | null {
  if (theirs.error !== undefined || ours.error !== undefined) {
    if (theirs.error?.code === ours.error?.code) return null;
    return `error mismatch: ours ${JSON.stringify(ours.error ?? ours.result?.command)} pg ${JSON.stringify(theirs.error ?? 'ok')}`;
  }
  const a = ours.result!;
  const b = theirs.result!;
  const colsA = (a.columns ?? []).map((c) => `${c.name}:${c.typeOid}`).join(',');
  const colsB = (b.columns ?? []).map((c) => `${c.name}:${c.typeOid}`).join(',');
  if (colsA !== colsB) return `columns differ: ours ${colsA} pg ${colsB}`;
  const ordered = / order by /.test(sql) && !/ order by .*\) /.test(sql);
  const ra = canonical(a.rows, ordered);
  const rb = canonical(b.rows, ordered);
  if (JSON.stringify(ra) !== JSON.stringify(rb))
    return `rows differ:\n ours ${ra.join(' ')}\n pg   ${rb.join(' ')}`;
  const count = Number(a.command.split(' ').pop());
  if (b.affected !== undefined && /^(insert|update|delete)/.test(sql) && count !== b.affected) {
    return `count differs: ours ${a.command} pg ${b.affected}`;
  }
  return null;
}

function statement(g: Gen, tables: GenTable[], nextId: () => number): string {
  const tb = g.pick(tables);
  const k = g.int(10);
  if (k < 3) return g.insertSql(tb, nextId);
  if (k < 8) return g.select(tb, tables);
  if (k < 9) return g.update(tb);
  return g.remove(tb);
}

t.test('engine and PGlite agree on random schemas and statements', async (t) => {
  await loadParser();
  const pg = await PgOracle.start();
  t.teardown(() => pg.close());
  let failures = 0;
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS && failures < 5; seed++) {
    const sm = new SqlStateMachine(new MemoryStorage());
    const session = new SqlEngine(sm, new LocalCommitter(sm)).session();
    const g = new Gen(seed);
    const tables = Array.from({ length: 1 + g.int(3) }, (_x, i) => g.table(`s${seed}_t${i}`));
    let id = 0;
    const nextId = () => ++id;
    const script = [...tables.map((tb) => g.createSql(tb))];
    for (let i = 0; i < STATEMENTS_PER_SEED; i++) script.push(statement(g, tables, nextId));
    script.push(...tables.map((tb) => `select * from ${tb.name}`));
    for (const sql of script) {
      const ours = await runOurs(session, sql);
      const theirs = await pg.run(sql);
      const diff = compare(sql, ours, theirs);
      if (diff !== null) {
        failures++;
        t.fail(`seed ${seed}: ${sql}\n${diff}`);
        break;
      }
    }
    for (const tb of tables) await pg.run(`drop table if exists ${tb.name}`);
  }
  t.equal(failures, 0, `seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1} agree`);
});
