// Checks scripting in the state machine without a server: an EVAL entry applied on two replicas
// gives byte-identical state and replies even when the script uses TIME and math.random (both
// come from the entry's stamp and seed), function libraries survive a reload from storage (the
// registry is rebuilt from the reserved meta records) and FLUSHALL leaves them, an entry that
// fails does not keep a library, and the reply <-> Lua conversions in RESP2 and RESP3.
import { BoolReply, DoubleReply, ErrorReply, MapReply, SetReply, SimpleString } from '@seshat/common';
import { encodeEntry, initLua, KvStateMachine, resolveCommand } from '@seshat/kv';
import { MemoryStorage } from '@seshat/storage';
import t from 'tap';

const b = (s: string) => Buffer.from(s);
const cmd = (...args: string[]) => ({ db: 0, argv: args.map(b) });

function dump(storage: MemoryStorage): string[] {
  const out: string[] = [];
  for (const cf of ['meta', 'expire'] as const) {
    const it = storage.iterator(cf, {});
    for (let rows = it.nextBatch(100); rows.length; rows = it.nextBatch(100)) {
      for (let i = 0; i < rows.length; i += 2)
        out.push(`${cf}:${rows[i]!.toString('hex')}=${rows[i + 1]!.toString('hex')}`);
    }
    it.close();
  }
  return out;
}

function read(sm: KvStateMachine, ...args: string[]) {
  const argv = args.map(b);
  const spec = resolveCommand(argv);
  if (spec instanceof ErrorReply) return spec;
  return sm.read(spec, 0, argv, 1000);
}

const LIB = `#!lua name=lib
redis.register_function('put', function(keys, args) return redis.call('set', keys[1], args[1]) end)`;

t.before(() => initLua());

t.test('EVAL with math.random is deterministic across replicas', (t) => {
  const script = "redis.call('set', KEYS[1], 'r:' .. math.random(1000000)) return redis.call('get', KEYS[1])";
  const stores = [new MemoryStorage(), new MemoryStorage()];
  const replies = stores.map((s) => {
    const sm = new KvStateMachine(s, { metaCacheBytes: 0 });
    const entry = encodeEntry(1_700_000_000_123, 42, [cmd('EVAL', script, '1', 'k')]);
    const r1 = sm.apply(1, entry);
    const entry2 = encodeEntry(1_700_000_000_200, 43, [cmd('EVAL', script, '1', 'k2')]);
    return [r1, sm.apply(2, entry2)];
  });
  t.same(replies[0], replies[1]);
  t.match(String(replies[0]![0]![0]), /^r:\d+$/);
  t.not(String(replies[0]![0]![0]).split(':')[1], String(replies[0]![1]![0]).split(':')[1]);
  t.same(dump(stores[0]!), dump(stores[1]!));
  t.end();
});

t.test('function libraries persist, survive FLUSHALL, and a failed entry keeps none', (t) => {
  const storage = new MemoryStorage();
  let sm = new KvStateMachine(storage, { metaCacheBytes: 0 });
  t.same(sm.apply(1, encodeEntry(1000, 1, [cmd('FUNCTION', 'LOAD', LIB)])), ['lib']);
  t.same(sm.apply(2, encodeEntry(1000, 1, [cmd('FLUSHALL'), cmd('FCALL', 'put', '1', 'x', 'y')])), [
    new SimpleString('OK'),
    new SimpleString('OK'),
  ]);
  t.equal(sm.dbSize(0), 1, 'the library record is not a key');
  sm = new KvStateMachine(storage, { metaCacheBytes: 0 });
  t.equal(sm.functions.libraries.size, 1, 'rebuilt from storage');
  t.same(sm.apply(3, encodeEntry(1000, 1, [cmd('FCALL', 'put', '1', 'x', 'z')])), [new SimpleString('OK')]);
  t.same(read(sm, 'GET', 'x'), b('z'));
  t.end();
});

t.test('conversions, RESP2 and RESP3', (t) => {
  const sm = new KvStateMachine(new MemoryStorage(), { metaCacheBytes: 0 });
  const ev = (script: string) => read(sm, 'EVAL_RO', `#!lua flags=no-writes\n${script}`, '0');
  t.same(ev('return {1, "a", {ok="fine"}, 3.7, -2.9, true, false, nil, 5}'), [
    1n,
    b('a'),
    new SimpleString('fine'),
    3,
    -2,
    1,
    null,
  ]);
  t.same(ev("return redis.call('get', 'nokey')"), null, 'RESP2 null bulk -> false -> null');
  t.same(ev("redis.setresp(3) return redis.call('get', 'nokey') == nil"), BoolReply.TRUE);
  t.same(ev('return {double = 1.5}'), new DoubleReply(1.5));
  t.same(ev('redis.setresp(3) return true'), BoolReply.TRUE);
  t.same(ev('return {map = {a = 1}}'), new MapReply([b('a'), 1n]));
  t.same(ev('return {set = {x = true}}'), new SetReply([b('x')]));
  t.same(ev("return redis.error_reply('MY bad')"), new ErrorReply('MY bad'));
  t.match(
    String((ev("return redis.call('set', 'k', 'v')") as ErrorReply).message),
    /^ERR Write commands are not allowed from read-only scripts\./,
  );
  t.end();
});
