// Redis 7.0 compatibility of LOLWUT.
// What: without VERSION, with VERSION 7 / 4 / a negative one, the reply is the version line
// (verbatim text in RESP3); VERSION 5 draws Schotter in Braille: its first two rows of squares
// involve no randomness and must be the same characters as Redis's, the canvas has Redis's size
// for the given columns / squares (and the clamped one for 0s), then Redis's footer; VERSION 6
// draws the skyline: `rows` lines of `cols` ANSI-colored cells in Redis's four grays, then its
// footer; a version that wraps as an unsigned 32-bit number (4294967301 -> 5) selects the
// drawing Redis selects; non-integer arguments get Redis's error.
// How: raw RESP clients against Seshat and a real redis-server (helpers/targets.ts); random
// parts of the drawings are checked by shape, the deterministic ones by content.
import t, { type Test } from 'tap';
import { type RespClient, text } from './helpers/resp-client.ts';
import type { ServerHandle } from './helpers/server.ts';
import { type Case, checkCasesBothProtocols, connect, forEachTarget } from './helpers/targets.ts';

const VERSION_LINE = 'Redis ver. 7.0.15\\x0a';
const CASES: Case[] = [
  [['LOLWUT'], `"${VERSION_LINE}"`, `=txt:"${VERSION_LINE}"`],
  [['LOLWUT', 'VERSION'], `"${VERSION_LINE}"`, `=txt:"${VERSION_LINE}"`],
  [['LOLWUT', 'VERSION', '7'], `"${VERSION_LINE}"`, `=txt:"${VERSION_LINE}"`],
  [['LOLWUT', 'VERSION', '4', '10'], `"${VERSION_LINE}"`, `=txt:"${VERSION_LINE}"`],
  [['LOLWUT', 'VERSION', '-1'], `"${VERSION_LINE}"`, `=txt:"${VERSION_LINE}"`],
  [['LOLWUT', 'foo', 'bar'], `"${VERSION_LINE}"`, `=txt:"${VERSION_LINE}"`],
  [['LOLWUT', 'VERSION', 'x'], '-ERR value is not an integer or out of range'],
  [['LOLWUT', 'VERSION', '5', 'x'], '-ERR value is not an integer or out of range'],
  [['LOLWUT', 'VERSION', '6', '10', 'y'], '-ERR value is not an integer or out of range'],
];

/** Schotter, 20 columns, 4 x 4 squares: the first two rows of squares, as Redis 7.0.15 draws them. */
const SCHOTTER_TOP =
  '\u2800\u2864\u2824\u2824\u2824\u28e4\u2824\u2824\u2824\u28a4\u2864\u2824\u2824\u2824\u28e4\u2824\u2824\u2824\u28a4\u2800\n' +
  '\u2800\u2847\u2800\u2800\u2800\u28ff\u2800\u2800\u2800\u28b8\u2847\u2800\u2800\u2800\u28ff\u2800\u2800\u2800\u28b8\u2800\n' +
  '\u2800\u28e7\u28e4\u28e4\u28e4\u28ff\u28e4\u28e4\u28e4\u28fc\u28e7\u28e4\u28e4\u28e4\u28ff\u28e4\u28e4\u28e4\u28fc\u2800\n' +
  '\u2800\u2847\u2800\u2800\u2800\u28ff\u2800\u2800\u2800\u28b8\u2847\u2800\u2800\u2800\u28ff\u2800\u2800\u2800\u28b8\u2800\n';
const SCHOTTER_FOOTER = '\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n';
const SKYLINE_FOOTER =
  '\nDedicated to the 8 bit game developers of past and present.\n' +
  'Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15\n';
const CELL = /\x1b\[0;(30;40|90;100|37;47|97;107)m \x1b\[0m/g;

async function art(c: RespClient, ...argv: string[]): Promise<string> {
  return text(await c.send(['LOLWUT', ...argv]));
}

async function schotter(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const small = await art(c, 'VERSION', '5', '20', '4', '4');
  t.ok(small.startsWith(SCHOTTER_TOP), "the first two rows of squares are Redis's");
  t.ok(small.endsWith(SCHOTTER_FOOTER), 'footer');
  // 40 pixels wide, 9-pixel squares: 4 * 9 + 4 = 40 pixels tall, 10 rows of Braille (and the
  // empty line Redis's renderer leaves before the footer).
  const rows = small.slice(0, -SCHOTTER_FOOTER.length).split('\n');
  t.equal(rows.length, 11, 'rows');
  t.ok(
    rows.slice(0, 10).every((r) => [...r].length === 20 && /^[\u2800-\u28ff]+$/.test(r)),
    'each row: 20 Braille characters',
  );
  const dflt = await art(c, 'VERSION', '5');
  const drows = dflt.slice(0, -SCHOTTER_FOOTER.length).split('\n');
  // 132 pixels wide, 16-pixel squares: 12 * 16 + 4 = 196 pixels tall, 49 rows (and the empty line).
  t.equal(drows.length, 50, 'defaults (66 columns, 8 x 12 squares): 49 rows');
  t.ok(
    drows.slice(0, 49).every((r) => [...r].length === 66),
    '66 characters each',
  );
  t.equal(
    await art(c, 'VERSION', '5', '0', '0', '0'),
    `\u280b\n${SCHOTTER_FOOTER}`,
    'clamped to 1 column and 1 square: one character',
  );
  const wrapped = await art(c, 'VERSION', '4294967301', '3');
  t.ok(wrapped.endsWith(SCHOTTER_FOOTER), '4294967301 wraps to version 5');
}

async function skyline(t: Test, server: ServerHandle): Promise<void> {
  const c = await connect(t, server);
  const out = await art(c, 'VERSION', '6', '10', '4');
  t.ok(out.endsWith(SKYLINE_FOOTER), 'footer');
  const rows = out.slice(0, -SKYLINE_FOOTER.length).split('\n');
  t.equal(rows.length, 4, '4 rows');
  for (const r of rows) t.equal(r.replace(CELL, ''), '', 'only colored cells');
  t.ok(
    rows.every((r) => (r.match(CELL) ?? []).length === 10),
    '10 cells per row',
  );
  t.equal((await art(c, 'VERSION', '6')).split('\n').length, 20 + 3, 'defaults: 80 x 20');
}

forEachTarget(t, async (t, { server }) => {
  t.test('version line and errors', (t) => checkCasesBothProtocols(t, server, CASES));
  t.test('VERSION 5: Schotter', (t) => schotter(t, server));
  t.test('VERSION 6: skyline', (t) => skyline(t, server));
});
