// Checks the shared leaf helpers against reference values: CRC16/XMODEM as Redis Cluster
// uses it (values from the Redis Cluster spec), hash tags, and the seeded PRNG's determinism.
import t from 'tap';
import { crc16, keyHashSlot, SeededRandom, assert, AssertionError } from '@seshat/common';

t.test('crc16 matches the Redis Cluster spec check value', async (t) => {
  t.equal(crc16(Buffer.from('123456789')), 0x31c3);
});

t.test('keyHashSlot follows Redis hash slot rules', async (t) => {
  t.equal(keyHashSlot(Buffer.from('foo')), 12182);
  t.equal(keyHashSlot(Buffer.from('bar')), 5061);
  t.equal(keyHashSlot(Buffer.from('{user1000}.following')), keyHashSlot(Buffer.from('user1000')));
  t.equal(keyHashSlot(Buffer.from('foo{}{bar}')), keyHashSlot(Buffer.from('foo{}{bar}')));
  t.not(
    keyHashSlot(Buffer.from('foo{}{bar}')),
    keyHashSlot(Buffer.from('bar')),
    'empty tag hashes whole key',
  );
  t.equal(keyHashSlot(Buffer.from('foo{{bar}}zap')), keyHashSlot(Buffer.from('{bar')));
});

t.test('SeededRandom is deterministic and in range', async (t) => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const xs = Array.from({ length: 100 }, () => a.nextU32());
  const ys = Array.from({ length: 100 }, () => b.nextU32());
  const zs = Array.from({ length: 100 }, () => c.nextU32());
  t.same(xs, ys);
  t.notSame(xs, zs);
  for (let i = 0; i < 1000; i++) {
    const v = a.nextInt(7);
    t.ok(v >= 0 && v < 7 && Number.isInteger(v)) || t.fail(`out of range ${v}`);
  }
});

t.test('assert throws AssertionError', async (t) => {
  t.throws(() => assert(false, 'boom'), AssertionError);
  t.doesNotThrow(() => assert(true, 'fine'));
});
