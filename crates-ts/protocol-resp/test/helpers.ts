// Shared helpers for the parser tests: feeding a byte stream in a given chunking and
// collecting every command (as latin1 strings, so binary bytes compare exactly).
import { RequestParser } from '@seshat/protocol-resp';
import type { ParserLimits } from '@seshat/protocol-resp';

export interface ParseResult {
  commands: string[][];
  error: string | null;
}

function drain(parser: RequestParser, commands: string[][]): void {
  for (let argv = parser.next(); argv !== null; argv = parser.next()) {
    commands.push(argv.map((arg) => arg.toString('latin1')));
  }
}

/** Feeds `bytes` cut at the given offsets (sorted, inside (0, length)), draining after each push. */
export function parseChunked(
  bytes: Buffer,
  cuts: readonly number[],
  limits?: Partial<ParserLimits>,
): ParseResult {
  const parser = new RequestParser(limits);
  const commands: string[][] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    // Copy each chunk so the test also catches a parser keeping references to pushed chunks.
    parser.push(Buffer.from(bytes.subarray(from, cut)));
    from = cut;
    drain(parser, commands);
  }
  return { commands, error: parser.error };
}

export function parseWhole(bytes: Buffer, limits?: Partial<ParserLimits>): ParseResult {
  return parseChunked(bytes, [], limits);
}

export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
