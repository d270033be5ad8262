/**
 * Snapshot transfer between two transports on real sockets:
 * - a 6 MiB image from an async source in odd-sized pieces arrives byte-identical
 *   (compared by SHA-256 on the receiving side), spooled to a temp file (the memory
 *   bound is 1 MiB), with metadata and the Raft message (its snapshot.data handle
 *   intact); the spool file is gone after;
 * - a small image stays in memory;
 * - images that are corrupted (wrong checksum), have a gap, or end without the final
 *   chunk are refused with DATA_LOSS before the handler sees them (a raw gRPC client
 *   plays the broken sender);
 * - a handler that rejects, a source that throws, an unknown peer, too many inbound
 *   snapshots: sendSnapshot resolves false, and spool files are cleaned up.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { MessageType, newMessage, type SnapshotMetadata } from '@seshat/raft';
import t, { type Test } from 'tap';
import { ChecksumAlgorithm, RaftTransportClient, type SnapshotRequest } from '../src/gen/cluster.js';
import type { InboundSnapshot } from '../src/transport.js';
import { type Node, startNodes } from './transport-helpers.js';

const META: SnapshotMetadata = {
  index: 1234,
  term: 7,
  confState: { voters: [1, 2, 3], learners: [4], removed: [9] },
};

/** Deterministic pseudo-random bytes, produced in pieces of `pieceBytes`. */
async function* image(totalBytes: number, pieceBytes: number): AsyncGenerator<Buffer> {
  let x = 0x9e3779b9;
  for (let at = 0; at < totalBytes; at += pieceBytes) {
    const n = Math.min(pieceBytes, totalBytes - at);
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    yield b;
  }
}

async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash('sha256');
  let n = 0;
  for await (const c of chunks) {
    h.update(c);
    n += c.length;
  }
  return `${n}:${h.digest('hex')}`;
}

async function setup(t: Test, extra: object = {}): Promise<{ a: Node; b: Node; spoolDir: string }> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'seshat-transport-test-'));
  const nodes = await startNodes(2, {
    snapshotMemoryMaxBytes: 1 << 20,
    snapshotSpoolDir: spoolDir,
    ...extra,
  });
  t.teardown(async () => {
    await Promise.all(nodes.map((n) => n.transport.stop()));
    await rm(spoolDir, { recursive: true, force: true });
  });
  return { a: nodes[0]!, b: nodes[1]!, spoolDir };
}

t.test('a 6 MiB image arrives intact, spooled, with metadata and message', async (t) => {
  const { a, b, spoolDir } = await setup(t);
  const SIZE = 6 * 1024 * 1024 + 12345;
  const expected = await sha256Of(image(SIZE, 100_003));
  let received: InboundSnapshot | null = null;
  let digest = '';
  let spoolExisted = false;
  b.transport.setHandlers({
    onSnapshot: async (s) => {
      received = s;
      spoolExisted = s.spoolPath !== null && (await stat(s.spoolPath)).size === SIZE;
      digest = await sha256Of(s.chunks());
    },
  });
  const msg = newMessage(MessageType.Snapshot, 2);
  msg.groupId = 42;
  msg.from = 1;
  msg.term = 7;
  msg.snapshot = { metadata: META, data: Buffer.from('handle-on-node-1') };
  const ok = await a.transport.sendSnapshot(2, 42, META, () => image(SIZE, 100_003), msg);
  t.equal(ok, true, 'delivered');
  t.equal(digest, expected, 'same bytes (size and SHA-256)');
  const r = received as InboundSnapshot | null;
  t.ok(r);
  t.equal(r!.groupId, 42);
  t.equal(r!.fromNode, 1);
  t.equal(r!.sizeBytes, SIZE);
  t.same(r!.metadata, META);
  t.equal(r!.message!.type, MessageType.Snapshot);
  t.equal(r!.message!.term, 7);
  t.same(r!.message!.snapshot!.metadata, META);
  t.equal(Buffer.from(r!.message!.snapshot!.data).toString(), 'handle-on-node-1', 'the handle travels as is');
  t.ok(spoolExisted, 'image was spooled to a file during the handler');
  t.same(await readdir(spoolDir), [], 'spool file removed afterwards');
  t.equal(a.transport.stats().snapshotsSent, 1);
  t.equal(b.transport.stats().inbound.snapshotsReceived, 1);
});

t.test('a small image stays in memory; a Uint8Array is a valid source', async (t) => {
  const { a, b } = await setup(t);
  const data = new Uint8Array(300_000).map((_, i) => i % 251);
  let got = '';
  let path: string | null = 'unset';
  b.transport.setHandlers({
    onSnapshot: async (s) => {
      path = s.spoolPath;
      got = await sha256Of(s.chunks());
    },
  });
  t.equal(await a.transport.sendSnapshot(2, 1, META, data), true);
  t.equal(path, null, 'not spooled');
  t.equal(got, `${data.length}:${createHash('sha256').update(data).digest('hex')}`);
  t.equal(await a.transport.sendSnapshot(2, 1, META, []), true, 'an empty image is fine too');
});

/** Play a broken sender with the generated client; resolves with the call's error. */
async function rawSnapshot(
  port: number,
  chunks: SnapshotRequest[],
  end = true,
): Promise<ServiceError | null> {
  const client = new RaftTransportClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const md = new Metadata();
  md.set('seshat-from-node', '1');
  md.set('seshat-to-node', '2');
  try {
    return await new Promise<ServiceError | null>((resolve) => {
      const call = client.snapshot(md, (err) => resolve(err));
      call.on('error', () => {});
      for (const c of chunks) call.write(c);
      if (end) call.end();
    });
  } finally {
    client.close();
  }
}

function chunk(offset: number, data: Buffer, extra: Partial<SnapshotRequest> = {}): SnapshotRequest {
  return {
    groupId: 5,
    offset,
    data,
    final: false,
    header: undefined,
    checksum: Buffer.alloc(0),
    totalBytes: 0,
    ...extra,
  };
}

t.test('corrupted, gapped or truncated images are refused before the handler', async (t) => {
  const { b, spoolDir } = await setup(t);
  let handlerCalls = 0;
  b.transport.setHandlers({
    onSnapshot: async () => {
      handlerCalls++;
    },
  });
  const header = {
    fromNode: 1,
    toNode: 2,
    metadata: { index: 1, term: 1, confState: { voters: [1], learners: [], removed: [] } },
    message: undefined,
    checksumAlgorithm: ChecksumAlgorithm.CHECKSUM_ALGORITHM_SHA256,
    expectedBytes: 0,
  };
  const part1 = Buffer.alloc(1000, 1);
  const part2 = Buffer.alloc(2_000_000, 2); // forces spooling on the receiver
  const good = createHash('sha256').update(part1).update(part2).digest();
  const bad = Buffer.from(good);
  bad[0]! ^= 0xff;

  const corrupted = await rawSnapshot(b.port, [
    chunk(0, part1, { header }),
    chunk(1000, part2),
    chunk(2_001_000, Buffer.alloc(0), { final: true, checksum: bad, totalBytes: 2_001_000 }),
  ]);
  t.equal(corrupted?.code, status.DATA_LOSS, 'wrong checksum refused');
  t.match(corrupted?.details, /checksum/);

  const flipped = Buffer.from(part2);
  flipped[12345]! ^= 1;
  const flippedByte = await rawSnapshot(b.port, [
    chunk(0, part1, { header }),
    chunk(1000, flipped),
    chunk(2_001_000, Buffer.alloc(0), { final: true, checksum: good, totalBytes: 2_001_000 }),
  ]);
  t.equal(flippedByte?.code, status.DATA_LOSS, 'one flipped bit refused');

  const gap = await rawSnapshot(b.port, [chunk(0, part1, { header }), chunk(1500, part2)]);
  t.equal(gap?.code, status.DATA_LOSS, 'offset gap refused');
  t.match(gap?.details, /offset/);

  const truncated = await rawSnapshot(b.port, [chunk(0, part1, { header }), chunk(1000, part2)]);
  t.equal(truncated?.code, status.DATA_LOSS, 'no final chunk refused');

  const noHeader = await rawSnapshot(b.port, [chunk(0, part1)]);
  t.equal(noHeader?.code, status.INVALID_ARGUMENT, 'missing header refused');

  const okCall = await rawSnapshot(b.port, [
    chunk(0, part1, { header }),
    chunk(1000, part2),
    chunk(2_001_000, Buffer.alloc(0), { final: true, checksum: good, totalBytes: 2_001_000 }),
  ]);
  t.equal(okCall, null, 'the same chunks with the right checksum are accepted');
  t.equal(handlerCalls, 1, 'handler saw only the valid image');
  t.same(await readdir(spoolDir), [], 'no spool file left behind');
});

t.test('failures resolve false: handler rejects, source throws, unknown peer, too many', async (t) => {
  const { a, b, spoolDir } = await setup(t, { snapshotInboundMax: 1 });
  b.transport.setHandlers({
    onSnapshot: async () => {
      throw new Error('install failed');
    },
  });
  t.equal(await a.transport.sendSnapshot(2, 1, META, () => image(3 << 20, 65536)), false, 'handler rejected');
  t.same(await readdir(spoolDir), [], 'spool removed after a rejection');

  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(1000);
    throw new Error('disk read error');
  }
  t.equal(await a.transport.sendSnapshot(2, 1, META, failing), false, 'source threw');
  t.equal(await a.transport.sendSnapshot(99, 1, META, Buffer.alloc(10)), false, 'unknown peer');

  let release!: () => void;
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => {
    entered = resolve;
  });
  b.transport.setHandlers({
    onSnapshot: () =>
      new Promise<void>((resolve) => {
        release = resolve;
        entered();
      }),
  });
  const first = a.transport.sendSnapshot(2, 1, META, Buffer.alloc(10));
  await inHandler;
  t.equal(
    await a.transport.sendSnapshot(2, 2, META, Buffer.alloc(10)),
    false,
    'second concurrent one refused',
  );
  release();
  t.equal(await first, true, 'first one completes');
  t.ok(a.transport.stats().snapshotsFailed >= 4);
});
