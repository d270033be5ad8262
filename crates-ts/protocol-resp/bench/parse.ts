// Throughput of the RESP hot paths:
//   node --conditions=seshat-src --import=tsx crates-ts/protocol-resp/bench/parse.ts
// 1. RequestParser on a pipeline of SET/GET commands fed in 64 KiB chunks (as sockets
//    deliver them), commands/s; redis-parser on the same bytes for reference (it returns
//    zero-copy slices of the chunks, we copy each argument out of the reused buffer).
// Best of ROUNDS runs: these machines are shared, so a single run is noisy.
// 2. ReplyWriter encoding a mix of typical replies (+OK, bulk, null, integer, 10-element
//    array), replies/s, with take() every 100 replies (one flush per event-loop turn).
import { OK, type Reply } from '@seshat/common';
import RedisParser from 'redis-parser';
import { encodeRequest, RequestParser, ReplyWriter } from '@seshat/protocol-resp';

const COMMANDS = 200_000;
const CHUNK_BYTES = 64 * 1024;
const ROUNDS = 20;

function pipeline(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < COMMANDS; i += 2) {
    parts.push(encodeRequest(['SET', `key:${i}`, `value-${i}-abcdefgh`]), encodeRequest(['GET', `key:${i}`]));
  }
  return Buffer.concat(parts);
}

function chunks(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) out.push(bytes.subarray(at, at + CHUNK_BYTES));
  return out;
}

function best(label: string, unit: string, count: number, run: () => number): void {
  let bestRate = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    const seen = run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (seen !== count) throw new Error(`${label}: expected ${count}, got ${seen}`);
    bestRate = Math.max(bestRate, count / seconds);
  }
  console.log(`${label.padEnd(44)} ${(bestRate / 1e6).toFixed(2)} M ${unit}/s`);
}

const bytes = pipeline();
const pieces = chunks(bytes);
console.log(
  `pipeline: ${COMMANDS} commands, ${(bytes.length / 1e6).toFixed(1)} MB, ${pieces.length} chunks of 64 KiB`,
);

best('RequestParser (SET/GET pipeline)', 'commands', COMMANDS, () => {
  const parser = new RequestParser();
  let count = 0;
  for (const piece of pieces) {
    parser.push(piece);
    while (parser.next() !== null) count++;
  }
  return count;
});

best('redis-parser, reference (same bytes)', 'commands', COMMANDS, () => {
  let count = 0;
  const parser = new RedisParser({ returnReply: () => count++, returnError: () => {}, returnBuffers: true });
  for (const piece of pieces) parser.execute(piece);
  return count;
});

const inline = Buffer.from(Array.from({ length: COMMANDS }, (_, i) => `GET key:${i}\r\n`).join(''));
const inlinePieces = chunks(inline);
best('RequestParser (inline GET pipeline)', 'commands', COMMANDS, () => {
  const parser = new RequestParser();
  let count = 0;
  for (const piece of inlinePieces) {
    parser.push(piece);
    while (parser.next() !== null) count++;
  }
  return count;
});

const value = Buffer.from('value-123456-abcdefgh');
const array: Reply[] = Array.from({ length: 10 }, (_, i) => Buffer.from(`member-${i}`));
const mix: Reply[] = [OK, value, null, 42, 123456, array, 'short string'];
const REPLIES = 1_000_000;
for (const resp of [2, 3] as const) {
  best(`ReplyWriter (mixed replies, RESP${resp})`, 'replies', REPLIES, () => {
    const writer = new ReplyWriter();
    let bytesOut = 0;
    for (let i = 0; i < REPLIES; i++) {
      writer.write(mix[i % mix.length]!, resp);
      if (i % 100 === 99) bytesOut += writer.take().length;
    }
    bytesOut += writer.take().length;
    return bytesOut > 0 ? REPLIES : -1;
  });
}
best('ReplyWriter (GET bulk replies only)', 'replies', REPLIES, () => {
  const writer = new ReplyWriter();
  for (let i = 0; i < REPLIES; i++) {
    writer.write(value, 2);
    if (i % 100 === 99) writer.take();
  }
  writer.take();
  return REPLIES;
});
