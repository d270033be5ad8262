// Durability across a reopen of RocksDB: tables, rows, unique indexes, sequences and the
// applied index written through SqlStateMachine are all there after closing and reopening
// the data directory; DDL and DML continue from where they were (serial values, unique
// violations against old rows), and a dropped table's rows are gone for good.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openRocksStorage } from '@seshat/storage';
import t from 'tap';
import { loadParser } from '../src/parse.js';
import { LocalCommitter, SqlEngine } from '../src/session.js';
import { SqlStateMachine } from '../src/state-machine.js';

async function open(dir: string) {
  const storage = await openRocksStorage(dir);
  const sm = new SqlStateMachine(storage);
  return { storage, sm, session: new SqlEngine(sm, new LocalCommitter(sm)).session() };
}

t.test('catalog and rows survive reopening the RocksDB', async (t) => {
  await loadParser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seshat-sql-restart-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

  const a = await open(dir);
  await a.session.simple(
    "create table acct (id serial primary key, owner varchar(10) unique not null, balance numeric(12,2) default 0); insert into acct (owner, balance) values ('ada', 10.5), ('bob', 7); create table gone (x int); insert into gone values (1), (2)",
  );
  await a.session.simple('drop table gone');
  const applied = a.sm.appliedIndex;
  await a.storage.close();

  const b = await open(dir);
  t.teardown(() => b.storage.close());
  t.equal(b.sm.appliedIndex, applied, 'applied index restored');
  const [rows] = await b.session.simple('select id, owner, balance from acct order by id');
  t.same(rows!.rows, [
    ['1', 'ada', '10.50'],
    ['2', 'bob', '7.00'],
  ]);
  t.same(
    rows!.columns!.map((c) => [c.name, c.typeOid, c.typmod]),
    [
      ['id', 23, -1],
      ['owner', 1043, 14],
      ['balance', 1700, (12 << 16) + 2 + 4],
    ],
  );
  const [ins] = await b.session.simple("insert into acct (owner) values ('cy') returning id, balance");
  t.same(ins!.rows, [['3', '0.00']], 'the serial sequence and the default continue');
  await t.rejects(b.session.simple("insert into acct (owner) values ('ada')"), { code: '23505' });
  await t.rejects(b.session.simple('select * from gone'), { code: '42P01' });
  t.equal(b.storage.iterator('sql_rows', {}).nextBatch(100).length / 2, 3, 'only acct rows remain');
});
