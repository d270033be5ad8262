/**
 * Conversion between core Raft messages and the generated proto types: every message
 * type, with entries, snapshot, context and every scalar set, goes core -> proto ->
 * bytes (the generated encoder, as on the wire) -> proto -> core and must come back
 * deep-equal. Also: unknown message/entry types are refused, and the size bound used to
 * cut frames is never below the real encoded size (checked on random messages).
 */
import { type Message, MessageType, newMessage } from '@seshat/raft';
import t from 'tap';
import { StreamRequest } from '../src/gen/cluster.js';
import * as pb from '../src/gen/raft.js';
import {
  FRAME_OVERHEAD_MAX_BYTES,
  messageFromProto,
  messageSizeBoundBytes,
  messageToProto,
} from '../src/transport-convert.js';

function full(type: MessageType, seed: number): Message {
  const m = newMessage(type, 2 + seed);
  m.groupId = 7 + seed;
  m.from = 1;
  m.term = 2 ** 40 + seed;
  m.logTerm = 5;
  m.index = Number.MAX_SAFE_INTEGER - seed;
  m.commit = 99;
  m.reject = seed % 2 === 0;
  m.rejectHint = 17;
  m.context = new Uint8Array([1, 2, 3, seed]);
  m.readRound = 4;
  m.entries = [
    { term: 1, index: 10, type: 0, data: new Uint8Array([9, 9]) },
    { term: 1, index: 11, type: 1, data: Buffer.from('conf') },
    { term: 2, index: 12, type: 2, data: new Uint8Array(0) },
  ];
  m.snapshot = {
    metadata: { index: 50, term: 3, confState: { voters: [1, 2, 3], learners: [4], removed: [5, 6] } },
    data: new Uint8Array([7, 7, 7]),
  };
  return m;
}

/** Core messages compared by value: bytes as plain arrays. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function wireRoundTrip(m: Message): Message | null {
  const bytes = pb.Message.encode(messageToProto(m)).finish();
  return messageFromProto(pb.Message.decode(bytes));
}

t.test('every message type round-trips through the wire encoding', async (t) => {
  const types = Object.values(MessageType);
  t.equal(types.length, 13);
  for (const type of types) {
    const m = full(type, type);
    t.same(plain(wireRoundTrip(m)!), plain(m), `type ${type}`);
  }
});

t.test('defaults round-trip (empty fields, null snapshot)', async (t) => {
  const m = newMessage(MessageType.Heartbeat, 3);
  const back = wireRoundTrip(m)!;
  t.same(plain(back), plain(m));
  t.equal(back.snapshot, null);
  t.equal(back.context.length, 0);
  t.same(back.entries, []);
});

t.test('a snapshot without conf state decodes to the empty conf state', async (t) => {
  const p = messageToProto(full(MessageType.Snapshot, 1));
  p.snapshot = { metadata: { index: 3, term: 1, confState: undefined }, data: Buffer.alloc(0) };
  const back = messageFromProto(pb.Message.decode(pb.Message.encode(p).finish()))!;
  t.same(back.snapshot!.metadata.confState, { voters: [], learners: [], removed: [] });
});

t.test('unknown message and entry types are refused', async (t) => {
  const p = messageToProto(full(MessageType.Append, 0));
  t.equal(messageFromProto({ ...p, type: 14 as pb.MessageType }), null, 'type 14 (reserved)');
  t.equal(messageFromProto({ ...p, type: 0 as pb.MessageType }), null, 'type 0 (unspecified)');
  const badEntry = { ...p, entries: [{ term: 1, index: 1, type: 3 as pb.EntryType, data: Buffer.alloc(0) }] };
  t.equal(messageFromProto(badEntry), null, 'entry type 3');
});

t.test('buffers are not copied on the way out', async (t) => {
  const data = Buffer.from('payload');
  const m = full(MessageType.Append, 0);
  m.entries = [{ term: 1, index: 1, type: 0, data }];
  const p = messageToProto(m);
  t.equal(p.entries[0]!.data, data, 'Buffer entry data passed through');
  const u8 = new Uint8Array(16).subarray(4, 8);
  m.context = u8;
  const ctx = messageToProto(m).context;
  t.equal(ctx.buffer, u8.buffer, 'Uint8Array viewed, not copied');
  t.equal(ctx.byteOffset, 4);
});

t.test('the size bound is an upper bound of the encoded size', async (t) => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const big = (): number => (rnd(2) === 0 ? rnd(300) : Number.MAX_SAFE_INTEGER - rnd(1000));
  for (let i = 0; i < 500; i++) {
    const m = newMessage((1 + rnd(13)) as MessageType, big());
    m.groupId = big();
    m.from = big();
    m.term = big();
    m.logTerm = big();
    m.index = big();
    m.commit = big();
    m.rejectHint = big();
    m.readRound = big();
    m.reject = rnd(2) === 0;
    m.context = new Uint8Array(rnd(200));
    m.entries = Array.from({ length: rnd(5) }, () => ({
      term: big(),
      index: big(),
      type: rnd(3) as 0 | 1 | 2,
      data: new Uint8Array(rnd(3000)),
    }));
    if (rnd(3) === 0) {
      const ids = (): number[] => Array.from({ length: rnd(6) }, big);
      m.snapshot = {
        metadata: {
          index: big(),
          term: big(),
          confState: { voters: ids(), learners: ids(), removed: ids() },
        },
        data: new Uint8Array(rnd(500)),
      };
    }
    const p = messageToProto(m);
    const single = StreamRequest.encode({
      batch: { fromNode: big(), toNode: big(), messages: [p] },
    }).finish();
    const bound = messageSizeBoundBytes(p) + FRAME_OVERHEAD_MAX_BYTES;
    if (single.length > bound) t.fail(`message ${i}: encoded ${single.length} > bound ${bound}`);
  }
  t.pass('500 random messages within bound');
});
