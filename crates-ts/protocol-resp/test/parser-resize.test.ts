// Checks RequestParser.resizeToPeak (Redis's clientsCronResizeQueryBuffer for a busy client):
// an input buffer grown by one large chunk shrinks to the most it held since the previous call
// once it is over 32 KB and more than twice that peak; a buffer at or under 32 KB, or one whose
// recent peak is over half its size, is kept; bytes not parsed yet survive the shrink and parse
// afterwards. How: chunks pushed by hand, capacityBytes() read before and after.
import { encodeRequest, INPUT_BUFFER_RESIZE_MIN_BYTES, RequestParser } from '@seshat/protocol-resp';
import t from 'tap';

function drain(p: RequestParser): string[][] {
  const out: string[][] = [];
  for (let argv = p.next(); argv !== null; argv = p.next()) out.push(argv.map((a) => a.toString('latin1')));
  return out;
}

/** A pipeline of SETs whose bytes exceed `bytes` (parsed in the input buffer: no big argument). */
function pipeline(bytes: number): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const b = encodeRequest(['SET', `k${i}`, 'v'.repeat(100)]);
    parts.push(b);
    n += b.length;
  }
  return Buffer.concat(parts);
}

t.test('a buffer grown by a burst shrinks to the recent peak', async (t) => {
  const p = new RequestParser();
  p.push(pipeline(100_000));
  t.ok(drain(p).length > 0);
  const grown = p.capacityBytes();
  t.ok(grown > INPUT_BUFFER_RESIZE_MIN_BYTES, `grown to ${grown}`);
  // The burst is this call's peak: nothing shrinks yet.
  t.equal(p.resizeToPeak(), false);
  const small = encodeRequest(['SET', 'x', 'y']);
  p.push(small);
  t.same(drain(p), [['SET', 'x', 'y']]);
  t.equal(p.resizeToPeak(), true);
  t.equal(p.capacityBytes(), small.length, 'room for the recent peak');
  p.push(small);
  t.same(drain(p), [['SET', 'x', 'y']]);
});

t.test('unparsed bytes survive a shrink', async (t) => {
  const p = new RequestParser();
  p.push(pipeline(100_000));
  drain(p);
  p.resizeToPeak();
  const req = encodeRequest(['SET', 'key', 'value']);
  p.push(req.subarray(0, 10));
  t.equal(p.resizeToPeak(), true);
  t.equal(p.capacityBytes(), 10);
  p.push(req.subarray(10));
  t.same(drain(p), [['SET', 'key', 'value']]);
});

t.test('small or busy buffers are kept', async (t) => {
  const p = new RequestParser();
  p.push(encodeRequest(['PING']));
  drain(p);
  const initial = p.capacityBytes();
  t.equal(p.resizeToPeak(), false, 'at most 32 KB');
  t.equal(p.capacityBytes(), initial);
  const q = new RequestParser();
  const burst = pipeline(100_000);
  q.push(burst);
  drain(q);
  q.resizeToPeak();
  q.push(burst);
  drain(q);
  t.equal(q.resizeToPeak(), false, 'the peak is over half the buffer');
});
