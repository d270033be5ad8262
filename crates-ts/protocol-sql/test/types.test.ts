// Checks binary <-> text conversion against PostgreSQL itself (PGlite): for each sample value
// of every supported type, PostgreSQL's text output and binary output (typsend) are fetched;
// textToBinary(text) must equal PostgreSQL's bytes and binaryToText(bytes) must give back
// PostgreSQL's text (the session runs with TimeZone UTC, the zone binaryToText writes).
// Also: binary parameters too short fail with 08P01, too long or invalid with 22P03 (as
// PostgreSQL's receive functions), types without a binary form here with 42883.
import { binaryToText, OID, textToBinary } from '@seshat/protocol-sql';
import { serialize } from 'pg-protocol';
import t from 'tap';
import { PgliteBackend } from './helpers/pglite-backend.js';

const samples: [type: string, oid: number, values: string[]][] = [
  ['bool', OID.bool, ['true', 'false']],
  ['int2', OID.int2, ['0', '-32768', '32767']],
  ['int4', OID.int4, ['-2147483648', '2147483647', '42']],
  ['int8', OID.int8, ['-9223372036854775808', '9223372036854775807', '0']],
  [
    'float4',
    OID.float4,
    [
      '1.1',
      '-0',
      '3.4028235e38',
      '1e-45',
      'NaN',
      'Infinity',
      '-Infinity',
      '0.1',
      '123456.79',
      '1e10',
      '100000',
      '1000000',
      '0.0001',
      '0.00001',
      '-3.5e-20',
    ],
  ],
  [
    'float8',
    OID.float8,
    [
      '0.1',
      '1e308',
      '5e-324',
      '-1.5',
      'NaN',
      '-Infinity',
      '1e21',
      '123456789012345680000',
      '1.7976931348623157e308',
      '-0',
      '1e15',
      '1e14',
      '0.0001',
      '0.00001',
      '123.456',
      '-2.5e-300',
    ],
  ],
  [
    'numeric',
    OID.numeric,
    [
      '0',
      '0.0',
      '-0.00',
      '12345.678',
      '0.00000000000000000001',
      '-123456789012345678901234567890.123456789',
      'NaN',
      'Infinity',
      '-Infinity',
      '10000',
      '0.0001',
      '100000000.00000001',
      '5.00',
      '99999999',
      '-0.5',
    ],
  ],
  ['text', OID.text, ['héllo ☃', '', 'tab\tnewline\n']],
  ['varchar(10)', OID.varchar, ['abc']],
  ['char(5)', OID.bpchar, ['a b']],
  ['name', OID.name, ['pg_class']],
  ['bytea', OID.bytea, ['\\x00ff10', '\\x', 'abc\\000']],
  [
    'date',
    OID.date,
    [
      '2024-02-29',
      '0001-01-01',
      '0044-03-15 BC',
      'infinity',
      '-infinity',
      '1999-12-31',
      '2000-01-01',
      '5874897-12-31',
      '4713-11-24 BC',
    ],
  ],
  ['time', OID.time, ['00:00:00', '23:59:59.999999', '12:34:56.5', '24:00:00']],
  [
    'timestamp',
    OID.timestamp,
    [
      '2000-01-01 00:00:00',
      '1970-01-01 00:00:00.000001',
      '0001-01-01 00:00:00 BC',
      'infinity',
      '-infinity',
      '1999-12-31 23:59:59.25',
      '294276-12-31 23:59:59.999999',
    ],
  ],
  [
    'timestamptz',
    OID.timestamptz,
    [
      '2024-06-01 12:00:00+02',
      '1900-01-01 00:00:00+00',
      '2000-01-01 00:00:00.123+05:30',
      'infinity',
      '0100-02-03 04:05:06 BC',
    ],
  ],
  ['uuid', OID.uuid, ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{00000000-0000-0000-0000-000000000000}']],
  ['json', OID.json, ['{"a": [1, 2]}']],
  ['jsonb', OID.jsonb, ['{"b": 1, "a": [1, 2, {"c": null}]}']],
  ['oid', OID.oid, ['4294967295', '0']],
];

/** Values of the first DataRow in a raw reply (a minimal decoder of 'D' messages). */
function firstRowValue(reply: Buffer): Buffer | null {
  for (let at = 0; at < reply.length; ) {
    const type = reply[at]!;
    const len = reply.readInt32BE(at + 1);
    if (type === 0x44) {
      const n = reply.readInt32BE(at + 7);
      return n < 0 ? null : reply.subarray(at + 11, at + 11 + n);
    }
    if (type === 0x45)
      throw new Error(`error from PostgreSQL: ${reply.toString('utf8', at + 5, at + 1 + len)}`);
    at += 1 + len;
  }
  throw new Error('no DataRow');
}

t.test('text and binary forms agree with PostgreSQL', async (t) => {
  const backend = await PgliteBackend.create();
  t.teardown(() => backend.close());
  await backend.db.exec("SET TimeZone = 'UTC'");
  const fetch = async (sql: string, binary: boolean): Promise<Buffer> => {
    const reply = await backend.db.execProtocolRaw(
      Buffer.concat(
        [
          serialize.parse({ text: sql }),
          serialize.bind({ binary }),
          serialize.execute(),
          serialize.sync(),
        ].map((b) => Buffer.from(b)),
      ),
    );
    return firstRowValue(Buffer.from(reply))!;
  };
  for (const [type, oid, values] of samples) {
    for (const v of values) {
      const sql = `SELECT '${v.replace(/'/g, "''")}'::${type}`;
      const text = (await fetch(sql, false)).toString('utf8');
      const bin = await fetch(sql, true);
      t.equal(
        textToBinary(oid, text).toString('hex'),
        bin.toString('hex'),
        `${type} ${text}: text -> binary`,
      );
      t.equal(binaryToText(oid, bin, 1), text, `${type} ${text}: binary -> text`);
    }
  }
});

t.test('bad binary input and unsupported types', async (t) => {
  t.throws(() => binaryToText(OID.int4, Buffer.from([1, 2]), 3), {
    code: '08P01',
    message: 'insufficient data left in message',
  });
  t.throws(() => binaryToText(OID.int4, Buffer.from([1, 2, 3, 4, 5]), 3), {
    code: '22P03',
    message: 'incorrect binary data format in bind parameter 3',
  });
  t.throws(() => binaryToText(OID.bool, Buffer.alloc(2), 1), { code: '22P03' });
  t.throws(
    () => binaryToText(OID.numeric, Buffer.from([0, 1, 0, 0, 0x12, 0x34, 0, 0, 0x27, 0x10]), 1),
    { code: '22P03' },
    'bad sign',
  );
  t.throws(() => binaryToText(OID.text, Buffer.from([0xff, 0xfe]), 1), { code: '22P03' }, 'invalid UTF-8');
  t.throws(() => binaryToText(OID.jsonb, Buffer.from('\x02{}'), 1), { code: '22P03' }, 'jsonb version');
  t.throws(() => binaryToText(1186, Buffer.alloc(16), 1), {
    code: '42883',
    message: 'no binary input function available for type interval',
  });
  t.throws(() => textToBinary(600, '(1,2)'), {
    code: '42883',
    message: 'no binary output function available for type 600',
  });
});
