// Checks the COPY data formats against PostgreSQL (PGlite): a table of awkward values
// (NULLs, empty strings, tabs, newlines, backslashes, quotes, delimiters, "\.", non-ASCII) is
// written by PostgreSQL with COPY ... TO in text and CSV (with and without HEADER, other
// delimiters and NULL markers); encodeCopyOut on the same rows must produce the same bytes,
// and decodeCopyIn on PostgreSQL's bytes must give the rows back. Plus the input-only
// forms (octal / hex escapes, CRLF lines, end-of-data line, quoted newlines) and the
// column-count errors with PostgreSQL's texts.
import { type CopyOptions, decodeCopyIn, encodeCopyOut, type Row } from '@seshat/protocol-sql';
import t from 'tap';
import { PgliteBackend } from './helpers/pglite-backend.js';

const rows: Row[] = [
  ['1', 'plain', null],
  ['2', '', 'x'],
  ['3', 'tab\there', 'new\nline'],
  ['4', 'back\\slash', 'quote"s'],
  ['5', 'comma,semi;pipe|', '\\.'],
  ['6', 'cr\rend', 'héllo ☃'],
  ['7', '\\N', 'NULL'],
  ['8', ' lead and trail ', '\b\f\v'],
];

const variants: [sql: string, options: CopyOptions][] = [
  ['', { format: 'text' }],
  ["(DELIMITER '|', NULL 'NULL')", { format: 'text', delimiter: '|', null: 'NULL' }],
  ['(FORMAT csv)', { format: 'csv' }],
  ['(FORMAT csv, HEADER)', { format: 'csv', header: true }],
  ["(FORMAT csv, DELIMITER ';', NULL 'NULL')", { format: 'csv', delimiter: ';', null: 'NULL' }],
];

t.test('same bytes as PostgreSQL, and back', async (t) => {
  const backend = await PgliteBackend.create();
  t.teardown(() => backend.close());
  await backend.db.exec('CREATE TABLE c (id int, a text, "b col" text)');
  for (const r of rows) await backend.db.query('INSERT INTO c VALUES ($1, $2, $3)', r);
  for (const [sql, options] of variants) {
    const out = await backend.db.query(`COPY (SELECT * FROM c ORDER BY id) TO '/dev/blob' ${sql}`);
    const pgBytes = Buffer.from(await out.blob!.arrayBuffer()).toString('utf8');
    const ours = encodeCopyOut(options, ['id', 'a', 'b col'], rows).join('');
    t.equal(ours, pgBytes, `encode ${sql || 'text'}`);
    // Text format does not escape a value equal to a backslash-free NULL marker: it reads
    // back as NULL (PostgreSQL's own ambiguity); CSV quotes such values.
    const nullText = options.null;
    const expected =
      options.format === 'text' && nullText !== undefined
        ? rows.map((r) => r.map((v) => (v === nullText ? null : v)))
        : rows;
    t.same(decodeCopyIn(pgBytes, options, ['id', 'a', 'b col']), expected, `decode ${sql || 'text'}`);
  }
});

t.test('single column: "\\." is quoted in CSV', async (t) => {
  t.same(encodeCopyOut({ format: 'csv' }, ['x'], [['\\.'], ['a']]), ['"\\."\n', 'a\n']);
});

t.test('input-only forms', async (t) => {
  const text: CopyOptions = { format: 'text' };
  t.same(decodeCopyIn('a\\101\\x42\\q\tb\r\n\\.\nignored\n', text, ['x', 'y']), [['aABq', 'b']]);
  t.same(decodeCopyIn('', text, ['x']), []);
  t.same(decodeCopyIn('1\t2', text, ['x', 'y']), [['1', '2']], 'last line without newline');
  const csv: CopyOptions = { format: 'csv' };
  t.same(decodeCopyIn('"a\nb",""\r\n,x\n\\.\n', csv, ['x', 'y']), [
    ['a\nb', ''],
    [null, 'x'],
  ]);
  t.same(decodeCopyIn('h1,h2\n1,2\n', { format: 'csv', header: true }, ['x', 'y']), [['1', '2']]);
  t.same(decodeCopyIn('"a\\"b"\n', { format: 'csv', escape: '\\' }, ['x']), [['a"b']]);
});

t.test('errors', async (t) => {
  const text: CopyOptions = { format: 'text' };
  t.throws(() => decodeCopyIn('1\t2\t3\n', text, ['x', 'y']), {
    code: '22P04',
    message: 'extra data after last expected column',
  });
  t.throws(() => decodeCopyIn('1\t2\n1\n', text, ['x', 'y']), {
    code: '22P04',
    message: 'missing data for column "y"',
    where: 'COPY, line 2',
  });
  t.throws(() => decodeCopyIn('"abc\n', { format: 'csv' }, ['x']), {
    code: '22P04',
    message: 'unterminated CSV quoted field',
  });
});
