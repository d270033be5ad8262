// WATCH against writes not applied yet (watch-pending.ts): which logged commands count as a
// change of a watched key, database by database. A client watching `k` in database 0 must not
// see its EXEC aborted by a write of the same key name in another database: FLUSHDB, MOVE,
// COPY ... DB and SWAPDB of other databases (these used to count as touching every key).
// How: touchesWatched over hand-made log commands, against watched meta keys of db 0 and 3.
import { metaKey } from '@seshat/kv';
import t from 'tap';
import { touchesWatched } from '../src/watch-pending.js';

const b = (s: string) => Buffer.from(s);
const watched = new Map<string, number>([
  [metaKey(0, b('k')).toString('latin1'), 0],
  [metaKey(3, b('w')).toString('latin1'), 0],
]);

function touches(db: number, ...argv: string[]): boolean {
  return touchesWatched([{ db, argv: argv.map(b) }], watched);
}

t.test('plain writes: the key in its database', async (t) => {
  t.ok(touches(0, 'SET', 'k', 'v'));
  t.notOk(touches(1, 'SET', 'k', 'v'), 'same name, other database');
  t.notOk(touches(0, 'SET', 'w', 'v'));
  t.ok(touches(3, 'DEL', 'x', 'w'));
  t.notOk(touches(0, 'GET', 'k'), 'reads change nothing');
});

t.test('FLUSHDB and FLUSHALL', async (t) => {
  t.ok(touches(0, 'FLUSHDB'));
  t.ok(touches(3, 'FLUSHDB', 'ASYNC'));
  t.notOk(touches(1, 'FLUSHDB'), 'another database');
  t.ok(touches(7, 'FLUSHALL'));
});

t.test('MOVE and COPY name a key in each database they write', async (t) => {
  t.ok(touches(0, 'MOVE', 'k', '5'), 'moved away');
  t.ok(touches(5, 'MOVE', 'k', '0'), 'moved in');
  t.notOk(touches(1, 'MOVE', 'k', '2'), 'neither database watched');
  t.notOk(touches(0, 'MOVE', 'x', '3'));
  t.ok(touches(1, 'COPY', 'x', 'k', 'DB', '0'));
  t.ok(touches(0, 'COPY', 'x', 'k'));
  t.notOk(touches(0, 'COPY', 'x', 'k', 'DB', '1'), 'destination in another database');
  t.notOk(touches(0, 'COPY', 'k', 'y', 'REPLACE'), 'the source is only read');
  t.ok(touches(0, 'MOVE', 'k', 'nonsense'), 'arguments not understood: any key');
});

t.test('SWAPDB touches the keys of its two databases', async (t) => {
  t.ok(touches(9, 'SWAPDB', '0', '1'));
  t.ok(touches(9, 'SWAPDB', '2', '3'));
  t.notOk(touches(0, 'SWAPDB', '1', '2'));
});
