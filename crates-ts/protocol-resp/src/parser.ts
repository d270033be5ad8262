/**
 * Streaming parser for client requests: RESP multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
 * and inline commands (`GET k\r\n`), with Redis 7.0's rules and error texts.
 *
 * Bytes are appended with push(); next() returns one command at a time. It keeps one
 * reused input buffer and offsets into it, parses integers straight from the bytes, has
 * no recursion, and treats an incomplete frame as "return null, wait for more". The
 * parse of a byte stream does not depend on how it was split into chunks.
 *
 * Redis quirks kept on purpose (verified against redis-server 7.0.15):
 * - the byte after the `\r` of a header line and the two bytes after a bulk payload are
 *   skipped without being checked (`*1\rX$4\r\nPINGxy` is PING);
 * - header lines are found with strchr, so a NUL byte before the terminator hides it and
 *   the request waits until the line limit is exceeded;
 * - `*0` and negative multibulk counts are empty requests (no command, no reply);
 * - inline lines end at `\n` (a `\r` right before it is dropped); blank lines are skipped.
 */
import { copyBytes } from './bytes.js';
import {
  ERR_INVALID_BULK_LENGTH,
  ERR_INVALID_MULTIBULK_LENGTH,
  ERR_TOO_BIG_BULK_COUNT_STRING,
  ERR_TOO_BIG_INLINE_REQUEST,
  ERR_TOO_BIG_MBULK_COUNT_STRING,
  ERR_UNAUTHENTICATED_BULK_LENGTH,
  ERR_UNAUTHENTICATED_MULTIBULK_LENGTH,
  ERR_UNBALANCED_QUOTES,
  errExpectedDollar,
} from './errors.js';
import { InlineSplitter } from './inline.js';
import {
  BIG_ARGUMENT_MIN_BYTES,
  INLINE_REQUEST_MAX_BYTES,
  INPUT_BUFFER_INITIAL_BYTES,
  INPUT_BUFFER_RESIZE_MIN_BYTES,
  INPUT_BUFFER_RETAIN_MAX_BYTES,
  INPUT_BUFFER_WASTE_MIN_BYTES,
  PARSER_LIMITS_DEFAULT,
  type ParserLimits,
  UNAUTHENTICATED_BULK_MAX_BYTES,
  UNAUTHENTICATED_MULTIBULK_LENGTH_MAX,
} from './limits.js';
import { parseLongLong } from './number.js';

/** The input buffer of an idle parser (releaseIdleBuffer). */
const EMPTY_INPUT = Buffer.alloc(0);
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const STAR = 0x2a;
const DOLLAR = 0x24;

/** Where the parser is inside the current request. */
enum State {
  /** Between requests: the next byte decides multibulk (`*`) or inline. */
  Idle,
  /** Inside a multibulk, expecting a `$len` line. */
  BulkHeader,
  /** Expecting `bulkLength` payload bytes + 2 in the input buffer. */
  BulkPayload,
  /** Filling `bigArgument` (an exact-size Buffer), then skipping 2 bytes. */
  BigPayload,
}

/** findTerminator results besides an offset. */
const LINE_INCOMPLETE = -1;
const LINE_TOO_LONG = -2;

export class RequestParser {
  limits: ParserLimits;
  /** When false, Redis's pre-AUTH limits apply (10 arguments, 16384-byte bulks). */
  authenticated = true;
  /** Set on the first protocol error; the parser then returns no more commands. */
  error: string | null = null;

  private input = Buffer.allocUnsafe(INPUT_BUFFER_INITIAL_BYTES);
  /** Unconsumed bytes are input[start, end). */
  private start = 0;
  private end = 0;
  /** Where the search for the current line's terminator resumes (bytes before it were checked). */
  private scanFrom = 0;
  /** A NUL byte was seen before the current line's terminator: it can only end by exceeding the limit. */
  private lineBlocked = false;

  private state = State.Idle;
  private argv: Buffer[] = [];
  private argumentsLeft = 0;
  private bulkLength = 0;
  /** Payload bytes held in `argv` of the incomplete current command. */
  private argvBytes = 0;
  private bigArgument: Buffer | null = null;
  private bigFilled = 0;
  /** Bytes of the big argument's 2-byte trailer still to skip. */
  private bigTrailerLeft = 0;
  private readonly splitter = new InlineSplitter();
  /** The most bytes the input buffer held since the last resizeToPeak (Redis's querybuf_peak). */
  private peakBytes = 0;
  /** Every byte ever pushed (consumed bytes are this minus those still in the input buffer). */
  private pushedBytes = 0;

  constructor(limits?: Partial<ParserLimits>) {
    this.limits = { ...PARSER_LIMITS_DEFAULT, ...limits };
  }

  /** Appends bytes read from the socket. The chunk is copied (or consumed) before push returns. */
  push(chunk: Buffer): void {
    if (this.error !== null) return;
    this.pushedBytes += chunk.length;
    let offset = 0;
    if (this.state === State.BigPayload && this.start === this.end) offset = this.fillBigArgument(chunk, 0);
    if (offset < chunk.length) this.append(chunk, offset);
  }

  /** Bytes held: unparsed input plus the arguments of the incomplete current command. */
  bufferedBytes(): number {
    return this.end - this.start + this.argvBytes + this.bigFilled;
  }

  /** Bytes parsed so far (commands returned and the parts of the current one): the size of a
   * command is the difference between the values before and after next() returns it. */
  consumedBytes(): number {
    return this.pushedBytes - (this.end - this.start);
  }

  /** Pushed bytes not parsed yet. */
  unparsedBytes(): number {
    return this.end - this.start;
  }

  /** Bytes the parser holds room for: its input buffer and a big argument being filled. */
  capacityBytes(): number {
    return this.input.length + (this.bigArgument?.length ?? 0);
  }

  /**
   * Drops the input buffer when nothing is buffered (an idle client), as Redis frees an idle
   * client's query buffer; the next push allocates a new one. Returns whether it did.
   */
  releaseIdleBuffer(): boolean {
    if (this.start !== this.end || this.state !== State.Idle || this.input.length === 0) return false;
    this.input = EMPTY_INPUT;
    this.start = 0;
    this.end = 0;
    this.scanFrom = 0;
    return true;
  }

  /**
   * Shrinks an input buffer much larger than its recent use, as Redis's clientsCronResizeQueryBuffer
   * does for a client that is not idle: when the buffer is over INPUT_BUFFER_RESIZE_MIN_BYTES,
   * wastes over INPUT_BUFFER_WASTE_MIN_BYTES and more than twice the most it held since the last
   * call, it is reallocated to that peak (or to what it holds now, if more). Each call starts a
   * new peak from what is held now. Returns whether it shrank.
   */
  resizeToPeak(): boolean {
    const held = this.end - this.start;
    const peak = this.peakBytes;
    this.peakBytes = held;
    const size = this.input.length;
    if (size - held <= INPUT_BUFFER_WASTE_MIN_BYTES || size <= INPUT_BUFFER_RESIZE_MIN_BYTES) return false;
    if (size / 2 <= peak) return false;
    const target = Buffer.allocUnsafe(Math.max(held, peak));
    this.input.copy(target, 0, this.start, this.end);
    this.input = target;
    this.scanFrom -= this.start;
    this.start = 0;
    this.end = held;
    return true;
  }

  /** The next complete command, or null when more bytes are needed or after an error. */
  next(): Buffer[] | null {
    while (this.error === null) {
      if (this.start === this.end) {
        this.releaseInput();
        if (this.state !== State.BigPayload) return null;
      }
      let command: Buffer[] | null = null;
      let progressed: boolean;
      switch (this.state) {
        case State.Idle:
          if (this.input[this.start] === STAR) {
            progressed = this.readMultibulkHeader();
          } else {
            command = this.readInline();
            progressed = command !== null;
            // A blank line is consumed without producing a command.
            if (command !== null && command.length === 0) command = null;
          }
          break;
        case State.BulkHeader:
          this.readBufferedArguments();
          if (this.argumentsLeft === 0) return this.takeCommand();
          progressed = this.readBulkHeader();
          break;
        case State.BulkPayload:
          progressed = this.readBulkPayload();
          command = this.takeCommandIfComplete(progressed);
          break;
        case State.BigPayload:
          progressed = this.readBigPayload();
          command = this.takeCommandIfComplete(progressed);
          break;
      }
      if (command !== null) return command;
      if (!progressed) return null;
    }
    return null;
  }

  private takeCommandIfComplete(progressed: boolean): Buffer[] | null {
    if (!progressed || this.argumentsLeft !== 0) return null;
    return this.takeCommand();
  }

  private takeCommand(): Buffer[] {
    const argv = this.argv;
    this.argv = [];
    this.argvBytes = 0;
    this.state = State.Idle;
    return argv;
  }

  private fail(message: string): boolean {
    this.error = message;
    this.argv = [];
    this.bigArgument = null;
    return false;
  }

  /** `*N\r\n`. Returns true when the header was consumed. */
  private readMultibulkHeader(): boolean {
    const cr = this.findTerminator(CR);
    if (cr === LINE_TOO_LONG) return this.fail(ERR_TOO_BIG_MBULK_COUNT_STRING);
    if (cr === LINE_INCOMPLETE) return false;
    const count = parseLongLong(this.input, this.start + 1, cr);
    if (Number.isNaN(count) || count > this.limits.multibulkMaxLength)
      return this.fail(ERR_INVALID_MULTIBULK_LENGTH);
    if (count > UNAUTHENTICATED_MULTIBULK_LENGTH_MAX && !this.authenticated) {
      return this.fail(ERR_UNAUTHENTICATED_MULTIBULK_LENGTH);
    }
    this.consumeLine(cr + 2);
    if (count > 0) {
      this.argumentsLeft = count;
      this.state = State.BulkHeader;
    }
    return true;
  }

  /** `$len\r\n`. Returns true when the header was consumed. */
  private readBulkHeader(): boolean {
    const cr = this.findTerminator(CR);
    if (cr === LINE_TOO_LONG) return this.fail(ERR_TOO_BIG_BULK_COUNT_STRING);
    if (cr === LINE_INCOMPLETE) return false;
    const first = this.input[this.start]!;
    if (first !== DOLLAR) return this.fail(errExpectedDollar(first));
    const length = parseLongLong(this.input, this.start + 1, cr);
    if (Number.isNaN(length) || length < 0 || length > this.limits.bulkMaxBytes) {
      return this.fail(ERR_INVALID_BULK_LENGTH);
    }
    if (length > UNAUTHENTICATED_BULK_MAX_BYTES && !this.authenticated) {
      return this.fail(ERR_UNAUTHENTICATED_BULK_LENGTH);
    }
    this.consumeLine(cr + 2);
    this.bulkLength = length;
    if (length >= BIG_ARGUMENT_MIN_BYTES) {
      this.bigArgument = Buffer.allocUnsafe(length);
      this.bigFilled = 0;
      this.bigTrailerLeft = 2;
      this.state = State.BigPayload;
    } else {
      this.state = State.BulkPayload;
    }
    return true;
  }

  /**
   * Fast path for the common case: arguments with a short canonical length (`$0`..`$99999`
   * below BIG_ARGUMENT_MIN_BYTES) whose header and payload are fully buffered. Consumes
   * as many as it can in one loop and leaves anything else (partial data, other lengths,
   * errors) to readBulkHeader, which would consume the accepted ones identically.
   */
  private readBufferedArguments(): void {
    const input = this.input;
    const end = this.end;
    const bulkMax = this.authenticated
      ? this.limits.bulkMaxBytes
      : Math.min(this.limits.bulkMaxBytes, UNAUTHENTICATED_BULK_MAX_BYTES);
    let at = this.start;
    while (this.argumentsLeft > 0 && at + 4 < end && input[at] === DOLLAR) {
      let i = at + 1;
      let length = input[i]! - 0x30;
      if (length < 0 || length > 9) break;
      i++;
      if (length !== 0) {
        for (; i < end && i - at <= 5; i++) {
          const digit = input[i]! - 0x30;
          if (digit < 0 || digit > 9) break;
          length = length * 10 + digit;
        }
      }
      // CR, then one unchecked byte (as in Redis), then payload and 2 unchecked bytes.
      if (i + 1 >= end || input[i] !== CR || length >= BIG_ARGUMENT_MIN_BYTES || length > bulkMax) break;
      const from = i + 2;
      if (from + length + 2 > end) break;
      this.argv.push(copyBytes(input, from, length));
      this.argvBytes += length;
      this.argumentsLeft--;
      at = from + length + 2;
    }
    if (at === this.start) return;
    this.consumeLine(at);
    if (this.argumentsLeft === 0) this.state = State.Idle;
  }

  /** Payload + 2 trailer bytes (not checked, as in Redis) of a small bulk. */
  private readBulkPayload(): boolean {
    const length = this.bulkLength;
    const from = this.start;
    if (this.end - from < length + 2) return false;
    this.pushArgument(copyBytes(this.input, from, length));
    this.start = from + length + 2;
    return true;
  }

  /** Drains buffered bytes into the big argument; true once it and its trailer are complete. */
  private readBigPayload(): boolean {
    this.start = this.fillBigArgument(this.input, this.start, this.end);
    if (this.bigFilled < this.bulkLength || this.bigTrailerLeft > 0) return false;
    const argument = this.bigArgument!;
    this.bigArgument = null;
    this.bigFilled = 0;
    this.pushArgument(argument);
    return true;
  }

  /** Copies bytes of `source[from, to)` into the big argument and its trailer; returns the first unused offset. */
  private fillBigArgument(source: Buffer, from: number, to = source.length): number {
    const want = this.bulkLength - this.bigFilled;
    if (want > 0) {
      const take = Math.min(want, to - from);
      source.copy(this.bigArgument!, this.bigFilled, from, from + take);
      this.bigFilled += take;
      from += take;
    }
    if (this.bigFilled === this.bulkLength) {
      const skip = Math.min(this.bigTrailerLeft, to - from);
      this.bigTrailerLeft -= skip;
      from += skip;
    }
    return from;
  }

  private pushArgument(argument: Buffer): void {
    this.argv.push(argument);
    this.argvBytes += argument.length;
    this.argumentsLeft--;
    this.state = this.argumentsLeft === 0 ? State.Idle : State.BulkHeader;
  }

  /**
   * An inline line. Returns its arguments ([] for a blank line), or null when the line is
   * incomplete or on error.
   */
  private readInline(): Buffer[] | null {
    const lf = this.findTerminator(LF);
    if (lf === LINE_TOO_LONG) {
      this.fail(ERR_TOO_BIG_INLINE_REQUEST);
      return null;
    }
    if (lf === LINE_INCOMPLETE) return null;
    let lineEnd = lf;
    if (lineEnd > this.start && this.input[lineEnd - 1] === CR) lineEnd--;
    const args = this.splitter.split(this.input, this.start, lineEnd);
    if (args === null) {
      this.fail(ERR_UNBALANCED_QUOTES);
      return null;
    }
    this.consumeLine(lf + 1);
    return args;
  }

  /**
   * Finds `terminator` for the line starting at `start`, like strchr: a NUL byte before it
   * hides it. A line whose terminator is not among its first INLINE_REQUEST_MAX_BYTES + 1
   * bytes is too long (Redis: more than that many bytes buffered without a terminator).
   * A `\r` terminator also needs the byte after it to be buffered.
   */
  private findTerminator(terminator: number): number {
    const input = this.input;
    const limit = Math.min(this.end, this.start + INLINE_REQUEST_MAX_BYTES + 1);
    let i = Math.max(this.scanFrom, this.start);
    if (!this.lineBlocked) {
      for (; i < limit; i++) {
        const c = input[i]!;
        if (c === terminator) {
          if (terminator !== CR || i + 1 < this.end) return i;
          this.scanFrom = i;
          return LINE_INCOMPLETE;
        }
        if (c === NUL) {
          this.lineBlocked = true;
          break;
        }
      }
      this.scanFrom = i;
    }
    return this.end - this.start > INLINE_REQUEST_MAX_BYTES ? LINE_TOO_LONG : LINE_INCOMPLETE;
  }

  private consumeLine(next: number): void {
    this.start = next;
    this.scanFrom = next;
    this.lineBlocked = false;
  }

  /** Appends chunk[offset..] to the input buffer, compacting or growing it as needed. */
  private append(chunk: Buffer, offset: number): void {
    const bytes = chunk.length - offset;
    if (this.end + bytes > this.input.length) {
      const held = this.end - this.start;
      const target =
        this.input.length >= held + bytes
          ? this.input
          : Buffer.allocUnsafe(Math.max(this.input.length * 2, held + bytes, INPUT_BUFFER_INITIAL_BYTES));
      this.input.copy(target, 0, this.start, this.end);
      this.input = target;
      this.scanFrom -= this.start;
      this.start = 0;
      this.end = held;
    }
    chunk.copy(this.input, this.end, offset);
    this.end += bytes;
    if (this.end - this.start > this.peakBytes) this.peakBytes = this.end - this.start;
  }

  /** Called when every buffered byte was consumed: rewind, and drop a buffer that grew large. */
  private releaseInput(): void {
    this.start = 0;
    this.end = 0;
    this.scanFrom = 0;
    if (this.input.length > INPUT_BUFFER_RETAIN_MAX_BYTES)
      this.input = Buffer.allocUnsafe(INPUT_BUFFER_INITIAL_BYTES);
  }
}
