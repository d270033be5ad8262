/**
 * LOLWUT [VERSION v] [...]: Redis 7.0's computer art. Version 5 draws Georg Nees's "Schotter"
 * (squares that tilt and drift more the lower their row, in Braille characters: one character is
 * 2x4 pixels), version 6 a city skyline (one pixel per character, four grays as ANSI colors);
 * any other version, and no version, prints the server version, as Redis 7.0 does. The drawing
 * follows Redis's (lolwut.c, lolwut5.c, lolwut6.c): the same canvas sizes, single-precision
 * geometry and limits, so the rows that involve no randomness (Schotter's first two rows of
 * squares) come out identical; the random choices use this process's generator, not glibc's.
 */
import { SeshatError, VerbatimReply } from '@seshat/common';
import { argIs, tryParseI64 } from '@seshat/kv';
import { def, REDIS_VERSION } from './server-commands.js';

/** glibc's RAND_MAX: rand() returns 0..2^31-1. */
const RAND_MAX = 2 ** 31 - 1;
/** Redis's limits, so that LOLWUT stays cheap: columns, squares and rows per drawing. */
const COLS_MAX = 1000;
const SQUARES_MAX = 200;
const ROWS_MAX = 1000;

function rand(): number {
  return Math.floor(Math.random() * (RAND_MAX + 1));
}

/** Pixels 0..3 (0: off or black), row-major; writes outside the canvas are dropped. */
class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(background);
  }
  set(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }
  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width]!;
  }
  /** Bresenham, as lwDrawLine. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) return;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }
}

/** C's round(): halves away from zero. */
function cRound(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

const f32 = Math.fround;

/** lwDrawSquare: a square centred at x,y, rotated by `angle`, its corners on a circle. */
function drawSquare(c: Canvas, x: number, y: number, side: number, angle: number): void {
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: Redis's constant, for the same rounding
  const size = f32(cRound(f32(side / 1.4142135623)));
  const px: number[] = [];
  const py: number[] = [];
  let k = f32(Math.PI / 4 + angle);
  for (let j = 0; j < 4; j++) {
    px.push(cRound(Math.sin(k) * size + x));
    py.push(cRound(Math.cos(k) * size + y));
    k = f32(k + Math.PI / 2);
  }
  for (let j = 0; j < 4; j++) c.line(px[j]!, py[j]!, px[(j + 1) % 4]!, py[(j + 1) % 4]!, 1);
}

function schotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f32((width - padding * 2) / perRow);
  const c = new Canvas(width, Math.trunc(f32(f32(side * perCol) + padding * 2)), 0);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(f32(f32(f32(x * side) + f32(side / 2)) + padding));
      let sy = Math.trunc(f32(f32(f32(y * side) + f32(side / 2)) + padding));
      let angle = 0;
      if (y > 1) {
        // Redis draws r1..r3 first and their signs after; the order of rand() calls is kept.
        const r = [rand(), rand(), rand()].map((v) => f32(f32(f32(f32(v) / f32(RAND_MAX)) / perCol) * y));
        const signed = r.map((v) => (rand() % 2 ? -v : v));
        angle = signed[0]!;
        sx = Math.trunc(f32(sx + f32(f32(signed[1]! * side) / 3)));
        sy = Math.trunc(f32(sy + f32(f32(signed[2]! * side) / 3)));
      }
      drawSquare(c, sx, sy, side, angle);
    }
  }
  return c;
}

/** Braille rendering (lolwut5.c renderCanvas), its newline rule included. */
function renderBraille(c: Canvas): string {
  let out = '';
  for (let y = 0; y < c.height; y += 4) {
    for (let x = 0; x < c.width; x += 2) {
      let byte = 0;
      if (c.get(x, y)) byte |= 1 << 0;
      if (c.get(x, y + 1)) byte |= 1 << 1;
      if (c.get(x, y + 2)) byte |= 1 << 2;
      if (c.get(x + 1, y)) byte |= 1 << 3;
      if (c.get(x + 1, y + 1)) byte |= 1 << 4;
      if (c.get(x + 1, y + 2)) byte |= 1 << 5;
      if (c.get(x, y + 3)) byte |= 1 << 6;
      if (c.get(x + 1, y + 3)) byte |= 1 << 7;
      out += String.fromCharCode(0x2800 + byte);
    }
    if (y !== c.height - 1) out += '\n';
  }
  return out;
}

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

function skyscraper(c: Canvas, s: Skyscraper): void {
  const starty = c.height - 1;
  const endy = starty - s.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = s.xoff; x < s.xoff + s.width; x++) {
      // The roof is four pixels narrower.
      if (y === endy && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2)) continue;
      let color = s.color;
      if (s.windows && x > s.xoff + 1 && x < s.xoff + s.width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (s.xoff + 1);
        const rely = y - (endy + 1);
        // Windows two pixels wide, one tall; both pixels of a window the same color.
        if (Math.trunc(relx / 2) % 2 && rely % 2) {
          do color = 1 + (rand() % 2);
          while (color === s.color);
          if (relx % 2) color = c.get(x - 1, y);
        }
      }
      c.set(x, y, color);
    }
  }
}

function skyline(cols: number, rows: number): Canvas {
  const c = new Canvas(cols, rows, 3);
  const h = c.height;
  // Background buildings without windows, the lighter gray behind.
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < c.width; ) {
      offset += rand() % 8;
      const width = 10 + (rand() % 9);
      const height = Math.trunc(h / 2) + Math.trunc((rand() % h) / (color === 2 ? 2 : 3));
      skyscraper(c, { xoff: offset, width, height, windows: false, color });
      offset += color === 2 ? Math.trunc(width / 2) : width + 1;
    }
  }
  for (let offset = -10; offset < c.width; ) {
    offset += rand() % 8;
    let width = 5 + (rand() % 14);
    if (width % 4) width += width % 3;
    const height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2);
    skyscraper(c, { xoff: offset, width, height, windows: true, color: 0 });
    offset += width + 5;
  }
  return c;
}

const ANSI_GRAYS = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'];

function renderAnsi(c: Canvas): string {
  let out = '';
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) out += `\x1b[${ANSI_GRAYS[c.get(x, y)] ?? ANSI_GRAYS[0]} \x1b[0m`;
    if (y !== c.height - 1) out += '\n';
  }
  return out;
}

/** getLongFromObjectOrReply for the optional numeric arguments, clamped to [1, max]. */
function numberArg(argv: Buffer[], i: number, fallback: number, max: number): number {
  if (i >= argv.length) return fallback;
  const v = tryParseI64(argv[i]!);
  if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
  return v < 1n ? 1 : v > BigInt(max) ? max : Number(v);
}

/** Which drawing a version string selects (lolwutCommand's prefix tests). */
function drawingOf(v: string): 5 | 6 | 0 {
  if ((v[0] === '5' && v[1] === '.' && v[2] !== '9') || (v[0] === '4' && v[1] === '.' && v[2] === '9'))
    return 5;
  if ((v[0] === '6' && v[1] === '.' && v[2] !== '9') || (v[0] === '5' && v[1] === '.' && v[2] === '9'))
    return 6;
  return 0;
}

def(
  {
    name: 'lolwut',
    arity: -1,
    flags: 'readonly fast',
    group: 'server',
    summary: 'Displays computer art and the Redis version',
    since: '5.0.0',
  },
  (_s, _c, argv) => {
    let args = argv;
    let version = REDIS_VERSION;
    if (argv.length >= 3 && argIs(argv[1]!, 'version')) {
      const v = tryParseI64(argv[2]!);
      if (v === undefined) throw new SeshatError('ERR', 'value is not an integer or out of range');
      // Redis prints the version with %u of an unsigned int: negative numbers wrap.
      version = `${BigInt.asUintN(32, v)}.0.0`;
      args = [argv[0]!, ...argv.slice(3)];
    }
    let text: string;
    const drawing = drawingOf(version);
    if (drawing === 5) {
      const cols = numberArg(args, 1, 66, COLS_MAX);
      const perRow = numberArg(args, 2, 8, SQUARES_MAX);
      const perCol = numberArg(args, 3, 12, SQUARES_MAX);
      text = `${renderBraille(schotter(cols, perRow, perCol))}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`;
    } else if (drawing === 6) {
      const cols = numberArg(args, 1, 80, COLS_MAX);
      const rows = numberArg(args, 2, 20, ROWS_MAX);
      text = `${renderAnsi(skyline(cols, rows))}\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`;
    } else text = `Redis ver. ${REDIS_VERSION}\n`;
    return new VerbatimReply('txt', text);
  },
);
