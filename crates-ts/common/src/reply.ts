/**
 * The reply model: what command handlers return and the RESP encoder turns into bytes
 * for RESP2 or RESP3. Plain JS values cover the hot cases without allocation:
 *
 *   Buffer / string  -> bulk string ($)        number / bigint -> integer (:)
 *   null             -> null (RESP2 $-1, RESP3 _)
 *   Reply[]          -> array (*)
 *
 * Everything else is one of the small classes below. Handlers never format RESP themselves.
 */
export type Reply =
  | Buffer
  | string
  | number
  | bigint
  | null
  | Reply[]
  | SimpleString
  | ErrorReply
  | NullArray
  | MapReply
  | SetReply
  | PairsReply
  | MapOrPairsReply
  | DoubleReply
  | BoolReply
  | VerbatimReply
  | PushReply
  | AttributeFreeRaw;

/** `+OK` style status reply. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/**
 * `-ERR ...` reply. `message` starts with the error code, e.g. `ERR syntax error`. Client bytes
 * quoted in it must be decoded as latin1 (one character per byte): the writer sends such a
 * message byte for byte, so the client gets its own bytes back as Redis echoes them. (A message
 * with a character above U+00FF goes out as UTF-8.)
 */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/** RESP2 `*-1` (a null array, e.g. BLPOP timeout, EXEC aborted by WATCH); RESP3 `_`. */
export class NullArray {
  static readonly instance = new NullArray();
  private constructor() {}
}

/** RESP3 map `%`; RESP2 flat array. `items` alternates key, value. */
export class MapReply {
  constructor(readonly items: Reply[]) {}
}

/** RESP3 set `~`; RESP2 array. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}

/**
 * RESP3 an array of 2-element arrays, RESP2 the flat array (`items` alternates first, second):
 * ZRANGE/ZUNION/ZRANDMEMBER WITHSCORES, ZPOPMIN with COUNT, HRANDFIELD WITHVALUES.
 */
export class PairsReply {
  constructor(readonly items: Reply[]) {}
}

/**
/**
 * RESP3 map `%`; RESP2 an array of 2-element arrays (`items` alternates key, value): XREAD and
 * XREADGROUP, whose RESP2 reply is `[[key, entries], ...]`, not a flat array.
 */
export class MapOrPairsReply {
  constructor(readonly items: Reply[]) {}
}

/**
 * RESP3 double `,`; RESP2 bulk string formatted like Redis 7.0 (`%.17g`, inf, -inf), or `text`
 * in both when given (replies Redis prints its own way, e.g. GEOPOS's long double "%.17Lf").
 */
export class DoubleReply {
  constructor(
    readonly value: number,
    readonly text: string | null = null,
  ) {}
}

/** RESP3 boolean `#t`/`#f`; RESP2 integer 1/0. */
export class BoolReply {
  static readonly TRUE = new BoolReply(true);
  static readonly FALSE = new BoolReply(false);
  private constructor(readonly value: boolean) {}
}

/** RESP3 verbatim string `=` with a 3-letter format (`txt`, `mkd`); RESP2 bulk string. */
export class VerbatimReply {
  constructor(
    readonly format: string,
    readonly text: string,
  ) {}
}

/** RESP3 push `>` (pub/sub messages, invalidations); RESP2 array. */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}

/** Pre-encoded bytes that are identical in RESP2 and RESP3 (constant replies). */
export class AttributeFreeRaw {
  constructor(readonly bytes: Buffer) {}
}

export const OK = new SimpleString('OK');
export const PONG = new SimpleString('PONG');
export const QUEUED = new SimpleString('QUEUED');
export const NULL_ARRAY = NullArray.instance;
export const EMPTY_ARRAY: Reply[] = [];

export function errorReply(message: string): ErrorReply {
  return new ErrorReply(message);
}
