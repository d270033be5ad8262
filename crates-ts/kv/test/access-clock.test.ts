// Checks the access clock behind OBJECT IDLETIME / OBJECT FREQ (kv/src/access-clock.ts) and its
// use by the state machine, without a server: idle seconds from reads, writes, creation and
// RESTORE IDLETIME; the LFU counter's start value, logarithmic growth, decay per minute and
// RESTORE FREQ; which reads are accesses (GET, TOUCH) and which are not (EXISTS, TYPE, TTL,
// OBJECT); and the errors under the "wrong" policy. The LRU side is also compared with a real
// redis-server in test/compat-dump.test.ts; the LFU side needs CONFIG SET maxmemory-policy there.
import { ErrorReply, type Reply, SeededRandom } from '@seshat/common';
import { encodeEntry, KvStateMachine, resolveCommand } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';
import { AccessClock, LFU_INIT_VAL } from '../src/access-clock.ts';

const b = (s: string) => Buffer.from(s);
const mk = (db: number, key: string) => Buffer.concat([Buffer.from([0, 0, db]), b(key)]);
// On a minute boundary (LFU decay counts whole minutes of the clock).
const T0 = 1_700_000_040_000;

t.test('LRU: idle seconds since the last recorded access', async (t) => {
  const clock = new AccessClock(T0 - 50_000);
  const random = new SeededRandom(1);
  t.equal(clock.idleSeconds(0, b('never'), T0), 50, 'never accessed: idle since the process started');
  clock.createdMeta(mk(0, 'k'), T0);
  t.equal(clock.idleSeconds(0, b('k'), T0 + 2500), 2);
  clock.touch(0, b('k'), T0 + 4000, random);
  t.equal(clock.idleSeconds(0, b('k'), T0 + 4999), 0);
  t.equal(clock.idleSeconds(1, b('k'), T0 + 4999), 50 + 4, 'another database is another key');
  clock.setIdle(0, b('k'), T0, 1_000_000);
  t.equal(clock.idleSeconds(0, b('k'), T0), 1_000_000, 'IDLETIME may reach before the process started');
});

t.test('LFU: counter starts at 5, grows logarithmically, decays a step a minute', async (t) => {
  const clock = new AccessClock(T0);
  clock.lfu = true;
  const random = new SeededRandom(7);
  clock.createdMeta(mk(0, 'k'), T0);
  t.equal(clock.frequency(0, b('k'), T0), LFU_INIT_VAL);
  for (let i = 0; i < 100; i++) clock.touch(0, b('k'), T0, random);
  const after100 = clock.frequency(0, b('k'), T0);
  for (let i = 0; i < 10_000; i++) clock.touch(0, b('k'), T0, random);
  const after10k = clock.frequency(0, b('k'), T0);
  t.ok(after100 > LFU_INIT_VAL && after100 < 15, `after 100 accesses: ${after100}`);
  t.ok(after10k > after100 && after10k < 60, `after 10,100 accesses: ${after10k}`);
  t.equal(clock.frequency(0, b('k'), T0 + 3 * 60_000), after10k - 3, 'three minutes later, three less');
  clock.setFrequency(0, b('k'), T0, 100);
  t.equal(clock.frequency(0, b('k'), T0 + 59_000), 100);
  t.equal(clock.frequency(0, b('k'), T0 + 500 * 60_000), 0, 'decays to zero, not below');
});

function read(sm: KvStateMachine, nowMs: number, ...args: string[]): Reply {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, nowMs);
}

t.test('the state machine records accesses as Redis does', async (t) => {
  const sm = new KvStateMachine(new MemoryStorage());
  sm.apply(1, encodeEntry(T0, 1, [{ db: 0, argv: ['SET', 'k', 'v'].map(b) }]));
  const dump = read(sm, T0, 'dump', 'k') as Buffer;
  const restore = (key: string, ...opts: string[]) =>
    sm.apply(
      sm.appliedIndex + 1,
      encodeEntry(T0, 1, [{ db: 0, argv: [b('RESTORE'), b(key), b('0'), dump, ...opts.map(b)] }]),
    );
  restore('old', 'IDLETIME', '1000');
  t.equal(read(sm, T0, 'object', 'idletime', 'old'), 1000);
  for (const cmd of [
    ['exists', 'old'],
    ['type', 'old'],
    ['ttl', 'old'],
    ['pttl', 'old'],
    ['object', 'encoding', 'old'],
  ]) {
    read(sm, T0 + 10_000, ...cmd);
  }
  t.equal(
    read(sm, T0 + 10_000, 'object', 'idletime', 'old'),
    1010,
    'EXISTS, TYPE, TTL, OBJECT are no access',
  );
  read(sm, T0 + 10_000, 'get', 'old');
  t.equal(read(sm, T0 + 12_000, 'object', 'idletime', 'old'), 2, 'GET is an access');
  read(sm, T0 + 20_000, 'touch', 'old');
  t.equal(read(sm, T0 + 20_000, 'object', 'idletime', 'old'), 0, 'TOUCH is an access');
  t.match(
    String((read(sm, T0, 'object', 'freq', 'old') as ErrorReply).message),
    /LFU maxmemory policy is not selected/,
  );
  sm.access.lfu = true;
  restore('hot', 'FREQ', '100');
  t.equal(read(sm, T0, 'object', 'freq', 'hot'), 100);
  t.match(
    String((read(sm, T0, 'object', 'idletime', 'hot') as ErrorReply).message),
    /LFU maxmemory policy is selected/,
  );
  t.equal(read(sm, T0, 'object', 'freq', 'nokey'), null);
});
