/**
 * Splitting of inline requests (`SET k "v w"\r\n`) with the rules of Redis's
 * `sdssplitargs`: blanks separate arguments; double quotes allow \n \r \t \b \a \\ \"
 * and \xHH escapes (any other escaped byte stands for itself); single quotes allow only
 * \'; a closing quote must be followed by a blank or the end of the line. A quote in the
 * middle of a bare word opens a quoted part of the same argument (`a"b c"` is `ab c`).
 */

import { copyBytes } from './bytes.js';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;

/** C `isspace` in the C locale: skips blanks between arguments and checks after a closing quote. */
function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

/** Bytes that end a bare word. Unlike isspace, \v and \f do not (sdssplitargs quirk). */
function endsBareWord(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function escapedByte(c: number): number {
  switch (c) {
    case 0x6e: // n
      return LF;
    case 0x72: // r
      return CR;
    case 0x74: // t
      return TAB;
    case 0x62: // b
      return 0x08;
    case 0x61: // a
      return 0x07;
    default:
      return c;
  }
}

/**
 * Splits inline lines into arguments. One instance per parser: it owns the scratch space
 * in which an argument is assembled (arguments are never longer than their line).
 */
export class InlineSplitter {
  private scratch = Buffer.allocUnsafe(256);
  /** Bytes of the argument assembled in `scratch` by the last readArgument. */
  private argumentBytes = 0;

  /**
   * Splits `line[start, end)` (terminator already removed) into arguments.
   * Returns null on unbalanced quotes. An empty or all-blank line gives [].
   */
  split(line: Buffer, start: number, end: number): Buffer[] | null {
    if (this.scratch.length < end - start) this.scratch = Buffer.allocUnsafe(end - start);
    const args: Buffer[] = [];
    let i = start;
    for (;;) {
      while (i < end && isSpace(line[i]!)) i++;
      if (i >= end) return args;
      i = this.readArgument(line, i, end);
      if (i < 0) return null;
      args.push(copyBytes(this.scratch, 0, this.argumentBytes));
    }
  }

  /** Reads one argument starting at `i`; returns the offset after it, or -1 on unbalanced quotes. */
  private readArgument(line: Buffer, i: number, end: number): number {
    const scratch = this.scratch;
    let n = 0;
    while (i < end) {
      const c = line[i]!;
      if (endsBareWord(c)) {
        i++;
        break;
      }
      if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
        const after =
          c === DOUBLE_QUOTE
            ? this.readDoubleQuoted(line, i + 1, end, n)
            : this.readSingleQuoted(line, i + 1, end, n);
        // The closing quote ends the argument; it must be followed by a blank or the end.
        if (after < 0 || (after < end && !isSpace(line[after]!))) return -1;
        return after;
      }
      scratch[n++] = c;
      i++;
    }
    this.argumentBytes = n;
    return i;
  }

  /** Reads a double-quoted part after its opening quote; returns the offset after the closing quote or -1. */
  private readDoubleQuoted(line: Buffer, i: number, end: number, n: number): number {
    const scratch = this.scratch;
    while (i < end) {
      const c = line[i]!;
      if (c === BACKSLASH && i + 3 < end && line[i + 1] === 0x78) {
        const high = hexValue(line[i + 2]!);
        const low = hexValue(line[i + 3]!);
        if (high >= 0 && low >= 0) {
          scratch[n++] = high * 16 + low;
          i += 4;
          continue;
        }
      }
      if (c === BACKSLASH && i + 1 < end) {
        scratch[n++] = escapedByte(line[i + 1]!);
        i += 2;
      } else if (c === DOUBLE_QUOTE) {
        this.argumentBytes = n;
        return i + 1;
      } else {
        scratch[n++] = c;
        i++;
      }
    }
    return -1;
  }

  /** Reads a single-quoted part after its opening quote; returns the offset after the closing quote or -1. */
  private readSingleQuoted(line: Buffer, i: number, end: number, n: number): number {
    const scratch = this.scratch;
    while (i < end) {
      const c = line[i]!;
      if (c === BACKSLASH && i + 1 < end && line[i + 1] === SINGLE_QUOTE) {
        scratch[n++] = SINGLE_QUOTE;
        i += 2;
      } else if (c === SINGLE_QUOTE) {
        this.argumentBytes = n;
        return i + 1;
      } else {
        scratch[n++] = c;
        i++;
      }
    }
    return -1;
  }
}
