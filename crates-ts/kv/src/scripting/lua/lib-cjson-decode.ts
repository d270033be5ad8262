/**
 * cjson.decode (lib-cjson.ts): cjson 2.1.0's tokenizer and parser, pushing the decoded value.
 * Positions in error texts are 1-based byte offsets, as cjson reports them; the text ends at
 * its length or at its first NUL byte (cjson reads a C string).
 */
import { lua, pushBytes } from './runtime.js';
import { fail } from './lib-support.js';
import { pushLuaNumber } from './number-format.js';
import { strtod } from './strtod.js';

const T_OBJ_BEGIN = 0;
const T_OBJ_END = 1;
const T_ARR_BEGIN = 2;
const T_ARR_END = 3;
const T_STRING = 4;
const T_NUMBER = 5;
const T_BOOLEAN = 6;
const T_NULL = 7;
const T_COLON = 8;
const T_COMMA = 9;
const T_END = 10;
const T_ERROR = 12;

const TOKEN_NAMES = [
  'T_OBJ_BEGIN',
  'T_OBJ_END',
  'T_ARR_BEGIN',
  'T_ARR_END',
  'T_STRING',
  'T_NUMBER',
  'T_BOOLEAN',
  'T_NULL',
  'T_COLON',
  'T_COMMA',
  'T_END',
  'T_WHITESPACE',
  'T_ERROR',
];

const SINGLE: { readonly [ch: number]: number } = {
  123: T_OBJ_BEGIN,
  125: T_OBJ_END,
  91: T_ARR_BEGIN,
  93: T_ARR_END,
  44: T_COMMA,
  58: T_COLON,
};

const ESCAPED: { readonly [ch: number]: number } = {
  34: 0x22,
  92: 0x5c,
  47: 0x2f,
  98: 8,
  116: 9,
  110: 10,
  102: 12,
  114: 13,
};

interface Token {
  type: number;
  /** 0-based offset of the token (for errors). */
  index: number;
  /** T_ERROR: the reason; T_STRING: unused. */
  error: string;
  str: Buffer | null;
  num: number;
  bool: boolean;
}

class Parser {
  pos = 0;
  depth = 0;
  private readonly tok: Token = { type: T_END, index: 0, error: '', str: null, num: 0, bool: false };

  constructor(
    private readonly L: number,
    private readonly data: Buffer,
    private readonly maxDepth: number,
    private readonly invalidNumbers: boolean,
  ) {}

  /** The byte at `i`, 0 past the end (cjson reads a NUL-terminated string). */
  private at(i: number): number {
    return i < this.data.length ? this.data[i]! : 0;
  }

  private error(t: Token, reason: string): Token {
    t.type = T_ERROR;
    t.index = this.pos;
    t.error = reason;
    return t;
  }

  next(): Token {
    const t = this.tok;
    let ch = this.at(this.pos);
    while (ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d) ch = this.at(++this.pos);
    t.index = this.pos;
    if (ch === 0) {
      t.type = T_END;
      return t;
    }
    const single = SINGLE[ch];
    if (single !== undefined) {
      t.type = single;
      this.pos++;
      return t;
    }
    if (ch === 0x22) return this.string(t);
    if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39)) {
      if (!this.invalidNumbers && this.invalidNumberAhead()) return this.error(t, 'invalid number');
      return this.number(t);
    }
    if (!'fiInNt+'.includes(String.fromCharCode(ch))) return this.error(t, 'invalid token');
    for (const [word, type, bool] of [
      ['true', T_BOOLEAN, true],
      ['false', T_BOOLEAN, false],
      ['null', T_NULL, false],
    ] as const) {
      if (this.data.toString('latin1', this.pos, this.pos + word.length) === word) {
        t.type = type;
        t.bool = bool;
        this.pos += word.length;
        return t;
      }
    }
    if (this.invalidNumbers && this.invalidNumberAhead()) return this.number(t);
    return this.error(t, 'invalid token');
  }

  /** json_is_invalid_number: `+`, hex, leading zeros, inf and nan are not JSON. */
  private invalidNumberAhead(): boolean {
    let p = this.pos;
    if (this.at(p) === 0x2b) return true;
    if (this.at(p) === 0x2d) p++;
    const c = this.at(p);
    if (c === 0x30) {
      const c2 = this.at(p + 1);
      return (c2 | 0x20) === 0x78 || (c2 >= 0x30 && c2 <= 0x39);
    }
    if (c <= 0x39) return false;
    const word = this.data.toString('latin1', p, p + 3).toLowerCase();
    return word === 'inf' || word === 'nan';
  }

  private number(t: Token): Token {
    const end = this.data.indexOf(0, this.pos);
    const p = strtod(end < 0 ? this.data : this.data.subarray(0, end), this.pos);
    if (p === null) return this.error(t, 'invalid number');
    t.type = T_NUMBER;
    t.num = p.value;
    this.pos = p.end;
    return t;
  }

  private string(t: Token): Token {
    const out: number[] = [];
    let i = this.pos + 1;
    for (;;) {
      const ch = this.at(i);
      if (ch === 0x22) break;
      if (ch === 0) {
        this.pos = i;
        return this.error(t, 'unexpected end of string');
      }
      if (ch !== 0x5c) {
        out.push(ch);
        i++;
        continue;
      }
      const esc = this.at(i + 1);
      if (esc === 0x75) {
        const n = this.unicodeEscape(i, out);
        if (n < 0) {
          this.pos = i;
          return this.error(t, 'invalid unicode escape code');
        }
        i += n;
        continue;
      }
      const c = ESCAPED[esc];
      if (c === undefined) {
        this.pos = i;
        return this.error(t, 'invalid escape code');
      }
      out.push(c);
      i += 2;
    }
    this.pos = i + 1;
    t.type = T_STRING;
    t.str = Buffer.from(out);
    return t;
  }

  private hex4(i: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.at(i + k);
      const d =
        c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (d < 0) return -1;
      v = (v << 4) | d;
    }
    return v;
  }

  /** `\uXXXX` (a surrogate pair: two) at `i` as UTF-8 into `out`; escape length or -1. */
  private unicodeEscape(i: number, out: number[]): number {
    let cp = this.hex4(i + 2);
    if (cp < 0) return -1;
    let len = 6;
    if ((cp & 0xf800) === 0xd800) {
      if ((cp & 0x400) !== 0) return -1;
      if (this.at(i + 6) !== 0x5c || this.at(i + 7) !== 0x75) return -1;
      const low = this.hex4(i + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return -1;
      cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      len = 12;
    }
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out.push(b);
    return len;
  }

  throwExpected(expected: string, t: Token): never {
    const found = t.type === T_ERROR ? t.error : TOKEN_NAMES[t.type]!;
    return fail(this.L, `Expected ${expected} but found ${found} at character ${t.index + 1}`);
  }

  private descend(slots: number): void {
    this.depth++;
    if (this.depth <= this.maxDepth && lua()._lua_checkstack(this.L, slots) !== 0) return;
    fail(this.L, `Found too many nested data structures (${this.depth}) at character ${this.pos}`);
  }

  value(t: Token): void {
    const m = lua();
    const L = this.L;
    if (t.type === T_STRING) pushBytes(L, t.str!);
    else if (t.type === T_NUMBER) pushLuaNumber(L, t.num);
    else if (t.type === T_BOOLEAN) m._lua_pushboolean(L, t.bool ? 1 : 0);
    else if (t.type === T_OBJ_BEGIN) this.object();
    else if (t.type === T_ARR_BEGIN) this.array();
    else if (t.type === T_NULL) m._lua_pushlightuserdata(L, 0);
    else this.throwExpected('value', t);
  }

  private object(): void {
    const m = lua();
    this.descend(3);
    m._lua_createtable(this.L, 0, 0);
    let t = this.next();
    if (t.type === T_OBJ_END) {
      this.depth--;
      return;
    }
    for (;;) {
      if (t.type !== T_STRING) this.throwExpected('object key string', t);
      pushBytes(this.L, t.str!);
      t = this.next();
      if (t.type !== T_COLON) this.throwExpected('colon', t);
      this.value(this.next());
      m._lua_rawset(this.L, -3);
      t = this.next();
      if (t.type === T_OBJ_END) {
        this.depth--;
        return;
      }
      if (t.type !== T_COMMA) this.throwExpected('comma or object end', t);
      t = this.next();
    }
  }

  private array(): void {
    const m = lua();
    this.descend(2);
    m._lua_createtable(this.L, 0, 0);
    let t = this.next();
    if (t.type === T_ARR_END) {
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.value(t);
      m._lua_rawseti(this.L, -2, BigInt(i));
      t = this.next();
      if (t.type === T_ARR_END) {
        this.depth--;
        return;
      }
      if (t.type !== T_COMMA) this.throwExpected('comma or array end', t);
      t = this.next();
    }
  }
}

/** Decodes `text` and pushes the value (cjson.decode). */
export function decodeJson(L: number, text: Buffer, maxDepth: number, invalidNumbers: boolean): void {
  if (text.length >= 2 && (text[0] === 0 || text[1] === 0)) {
    fail(L, 'JSON parser does not support UTF-16 or UTF-32');
  }
  const p = new Parser(L, text, maxDepth, invalidNumbers);
  p.value(p.next());
  const t = p.next();
  if (t.type !== T_END) p.throwExpected('the end', t);
}
