// The libraries Redis gives scripts (cjson, cmsgpack, struct, bit), Seshat against a real
// redis-server 7.0.15: each script below runs on both and the replies must be equal. They
// cover encodings byte for byte (hex of cmsgpack and struct output, JSON text with
// escapes and %.14g numbers), decoding (numbers, escapes, nulls, cjson's strtod quirks),
// configuration functions and their return values, cjson.new, limits (depths, sparse arrays,
// msgpack nesting), and the error texts of bad input (caught with pcall, or raised to the
// client). Tables with several keys are compared after a decode round trip, not as text:
// member order follows the Lua version's table order (docs/compatibility.md).
// How: two servers side by side (helpers/server.ts), raw RESP2, `show` renderings compared.
// Byte escapes in the scripts are decimal (`\\204`): Lua 5.1 has no `\\x`.
// Skipped when redis-server is not installed.
import t from 'tap';
import { RespClient, show } from './helpers/resp-client.ts';
import { redisAvailable, startServer } from './helpers/server.ts';

const HEX =
  'local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end ';
const PERR = 'local ok, e = pcall(function() X end) return tostring(ok) .. " " .. tostring(e)';
/** A pcall of `body` returning "ok error-text" (the text without its position). */
const caught = (body: string): string => PERR.replace('X', body);

const CJSON: string[] = [
  'return cjson.encode({1, 2, 3, "a", true, false})',
  'return cjson.encode({a = 1})',
  'return cjson.encode({})',
  'return cjson.encode({{}, {{}}})',
  'return cjson.encode("a/b\\"c\\\\\\n\\t\\r\\b\\f\\1\\31\\127\\128\\255 \\0x")',
  'return cjson.encode({0.1, 1/3, 1e20, 123456789012345678, -0.0, 100, 2^53, 1e-5, 3.14159265358979, 1e14, 1e15, 123456.789e-20})',
  'return cjson.encode({10000000000000.5, 0.5, 2.5e-7, -1.5, 1e100, 5e-324, 1.7976931348623157e308})',
  'return cjson.encode({[1] = 1, [2] = 2, [4] = 4})',
  'return cjson.encode({[1] = 1, [3] = 3, [10] = 10})',
  caught('return cjson.encode({[1] = 1, [20] = 2})'),
  'cjson.encode_sparse_array(true) local t = cjson.decode(cjson.encode({[1] = 1, [20] = 2})) return {t["1"], t["20"]}',
  'return {cjson.encode_sparse_array(nil, 0)} ',
  'cjson.encode_sparse_array(false, 0) return cjson.encode({[1] = 1, [100] = 2})',
  caught('return cjson.encode(0/0)'),
  caught('return cjson.encode({1/0})'),
  'cjson.encode_invalid_numbers(true) return cjson.encode({0/0, 1/0, -1/0})',
  'cjson.encode_invalid_numbers("null") return cjson.encode({0/0, 1/0, 5})',
  'return {cjson.encode(cjson.null), cjson.encode({cjson.null, 1})}',
  caught('return cjson.encode(function() end)'),
  caught('return cjson.encode({[true] = 1})'),
  caught('return cjson.encode({f = coroutine.create(function() end)})'),
  caught('cjson.encode_max_depth(2) return cjson.encode({{{1}}})'),
  'cjson.encode_max_depth(3) return cjson.encode({{{1}}})',
  'cjson.encode_number_precision(3) return cjson.encode({3.14159, 1234567, 0.000123456})',
  caught('cjson.encode_number_precision(15)'),
  caught('cjson.encode_max_depth(0)'),
  caught('cjson.encode_max_depth("x")'),
  caught('cjson.encode_keep_buffer("maybe")'),
  caught('cjson.encode_max_depth(1, 2)'),
  caught('cjson.encode()'),
  caught('cjson.encode(1, 2)'),
  'return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), tostring(cjson.encode_keep_buffer()), tostring(cjson.encode_invalid_numbers()), tostring(cjson.decode_invalid_numbers())}',
  'return {tostring(cjson.encode_keep_buffer(false)), tostring(cjson.encode_invalid_numbers("null")), tostring(cjson.encode_invalid_numbers(true))}',
  'return table.concat(cjson.decode("[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]"), " ")',
  'local t = cjson.decode(\'[1, 2.5, "x", true, null, {"a": []}, false]\') return {t[1], tostring(t[2]), t[3], tostring(t[4]), tostring(t[5] == cjson.null), type(t[6].a), tostring(t[7])}',
  'local t = cjson.decode(\'{"keya": "a", "keyb": "b", "n": {"m": [1, [2, [3]]]}}\') return {t.keya, t.keyb, t.n.m[2][2][1]}',
  'return cjson.decode(\'"\\\\u00e9\\\\ud83d\\\\ude00\\\\n\\\\/\\\\"\\\\\\\\\\\\b\\\\f\\\\r\\\\t"\')',
  'return {tostring(cjson.decode("+5")), tostring(cjson.decode("01")), tostring(cjson.decode("0x10")), tostring(cjson.decode("inf")), tostring(cjson.decode("-Infinity")), tostring(cjson.decode("nan")), tostring(cjson.decode("1.")), tostring(cjson.decode("-.5"))}',
  // (not -0: Lua 5.4 prints the float -0 as "-0.0", Redis's Lua 5.1 as "-0")
  'return {tostring(cjson.decode("1e400")), tostring(cjson.decode("12345678901234567890")), tostring(cjson.decode(" 7 "))}',
  caught('return cjson.decode(\'{"a":}\')'),
  caught('return cjson.decode("[1,2")'),
  caught('return cjson.decode(\'{"a" 1}\')'),
  caught("return cjson.decode('{1: 2}')"),
  caught("return cjson.decode('[1 2]')"),
  caught('return cjson.decode(\'"\\\\x"\')'),
  caught('return cjson.decode(\'"\\\\ud800"\')'),
  caught('return cjson.decode(\'"\\\\u12"\')'),
  caught("return cjson.decode('\"abc')"),
  caught('return cjson.decode("nul")'),
  caught('return cjson.decode("[1,]")'),
  caught('return cjson.decode("  ")'),
  caught('return cjson.decode("1 2")'),
  caught('return cjson.decode("-")'),
  caught('return cjson.decode(".5")'),
  caught('return cjson.decode("1e")'),
  caught('return cjson.decode("\\0a")'),
  caught('return cjson.decode()'),
  caught('return cjson.decode({})'),
  'return cjson.decode("5\\0garbage")',
  caught('cjson.decode_invalid_numbers(false) return cjson.decode("+5")'),
  caught('cjson.decode_invalid_numbers(false) return cjson.decode("01")'),
  caught('cjson.decode_invalid_numbers(false) return cjson.decode("[inf]")'),
  caught('cjson.decode_max_depth(1) return cjson.decode(\'{"obj": {"array": [1,2,3,4]}}\')'),
  caught('cjson.decode_max_depth(2) return cjson.decode("[[[1]]]")'),
  'return cjson.decode(123)',
  'local j = cjson.new() j.encode_number_precision(3) return {j.encode(1.23456), cjson.encode(1.23456), tostring(j.null == cjson.null)}',
  'return {cjson._NAME, cjson._VERSION, type(cjson.new)}',
  'return cjson.encode(function() end)',
  'return cjson.decode("{")',
  'cjson.encode_max_depth(1) return "changed"',
  'return cjson.encode({{1}})',
];

const CMSGPACK: string[] = [
  `${HEX}return hex(cmsgpack.pack(0.1))`,
  `${HEX}return hex(cmsgpack.pack(-1099511627776))`,
  `${HEX}return hex(cmsgpack.pack(0, 1, -1, 127, 128, 255, 256, 65535, 65536, 2^32 - 1, 2^32, 2^53, 2^63 - 1024))`,
  `${HEX}return hex(cmsgpack.pack(-32, -33, -128, -129, -32768, -32769, -2^31, -2^31 - 1, -2^63))`,
  `${HEX}return hex(cmsgpack.pack(1.5, 0.5, -2.25, 1e300, 1/0, -1/0, 0/0, 2^64, 1e-310, -0.0))`,
  `${HEX}return hex(cmsgpack.pack(true, false, nil, "", "abc", string.rep("x", 31), string.rep("y", 32)))`,
  `${HEX}return hex(cmsgpack.pack(string.rep("x", 255), string.rep("x", 256))):sub(1, 20)`,
  `${HEX}local s = hex(cmsgpack.pack(string.rep("x", 65536))) return s:sub(1, 12) .. #s`,
  `${HEX}return hex(cmsgpack.pack({1, 2, 3}, {}, {a = 1}, {[1] = "a", [3] = "c"}, {"x", {"y", {"z"}}}))`,
  `${HEX}local t = {} for i = 1, 16 do t[i] = i end local u = {} for i = 1, 70000 do u[i] = 1 end return {hex(cmsgpack.pack(t)), #cmsgpack.pack(u), hex(cmsgpack.pack(u):sub(1, 5))}`,
  `${HEX}return hex(cmsgpack.pack(cjson.null, function() end))`,
  `${HEX}local a = {} a[1] = a return hex(cmsgpack.pack(a))`,
  'local t = {cmsgpack.unpack(cmsgpack.pack(1, 1.5, "x", {1, 2}, true, -7, 2^40))} return {t[1], tostring(t[2]), t[3], t[4][2], tostring(t[5]), t[6], tostring(t[7]), #t}',
  'local m = cmsgpack.unpack(cmsgpack.pack({a = 1, b = {c = "d"}})) return {m.a, m.b.c}',
  'local s = cmsgpack.pack("a", "bb", "ccc") local o1, v1 = cmsgpack.unpack_one(s) local o2, v2 = cmsgpack.unpack_one(s, o1) local o3, v3 = cmsgpack.unpack_one(s, o2) return {o1, v1, o2, v2, o3, v3}',
  'local s = cmsgpack.pack(1, 2, 3, 4) local r = {cmsgpack.unpack_limit(s, 2)} local r2 = {cmsgpack.unpack_limit(s, 5, r[1])} return {r[1], r[2], r[3], r2[1], r2[2], r2[3], #r2}',
  'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2), 0, 0)}',
  'return {cmsgpack.unpack("\\204\\255\\205\\001\\002\\206\\001\\002\\003\\004\\208\\128\\209\\128\\000\\210\\128\\000\\000\\000\\255\\224")}',
  'return {tostring(cmsgpack.unpack("\\207\\255\\255\\255\\255\\255\\255\\255\\255")), tostring(cmsgpack.unpack("\\211\\128\\000\\000\\000\\000\\000\\000\\000")), tostring(cmsgpack.unpack("\\202\\064\\000\\000\\000")), tostring(cmsgpack.unpack("\\203\\063\\185\\153\\153\\153\\153\\153\\154"))}',
  'return {cmsgpack.unpack("\\217\\003abc\\218\\000\\001z\\219\\000\\000\\000\\002xy\\161q")}',
  'local t = cmsgpack.unpack("\\147\\001\\192\\003") return {t[1], tostring(t[2]), t[3]}',
  caught('return cmsgpack.unpack("\\193")'),
  caught('return cmsgpack.unpack("\\196\\001a")'),
  caught('return cmsgpack.unpack("\\205\\001")'),
  caught('return cmsgpack.unpack("\\146\\001")'),
  caught('return cmsgpack.unpack("\\129\\192\\001")'),
  caught('return cmsgpack.unpack_limit("x", -1)'),
  caught('return cmsgpack.unpack_one("ab", 5)'),
  caught('return cmsgpack.unpack_one("ab", -1)'),
  caught('return cmsgpack.pack()'),
  caught('return cmsgpack.unpack()'),
  caught('return cmsgpack.unpack_limit("x")'),
  'return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}',
  'return {cmsgpack.unpack("")}',
  'return {cmsgpack.unpack_one("")}',
];

const STRUCT: string[] = [
  `${HEX}return {hex(struct.pack(">i", 1)), hex(struct.pack("<i4", -1)), hex(struct.pack(">H", 258)), hex(struct.pack("b", -2)), hex(struct.pack("B", 255)), hex(struct.pack("l", 2^40)), hex(struct.pack("L", -1)), hex(struct.pack("T", 7))}`,
  `${HEX}return {hex(struct.pack("f", 1.5)), hex(struct.pack(">d", 0.1)), hex(struct.pack("<f", 0.1)), hex(struct.pack(">I3", 70000)), hex(struct.pack("i16", -1)), hex(struct.pack(">i9", 5)), hex(struct.pack("i1", 300))}`,
  `${HEX}return {hex(struct.pack("c3", "abcdef")), hex(struct.pack("s", "hi")), hex(struct.pack("c0", "xyz")), hex(struct.pack("x")), hex(struct.pack("!4 b i", 1, 2)), hex(struct.pack("!b d", 1, 2)), hex(struct.pack("! b h", 1, 2)), hex(struct.pack("b", 1.9)), hex(struct.pack("b", -1.9))}`,
  'return {struct.unpack(">i", struct.pack(">i", -5))}',
  'return {struct.unpack("<I2 b", "\\1\\2\\255")}',
  'return {struct.unpack("b c0", "\\3abcdef")}',
  'return {struct.unpack("s s", "hi\\0there\\0rest")}',
  'return {struct.unpack("i", "xxabcd", 3)}',
  'return {struct.unpack("!4 b i", struct.pack("!4 b i", 7, 9))}',
  'local a, b = struct.unpack("d", struct.pack("d", 0.1)) return {tostring(a), b}',
  'local a = struct.unpack("f", struct.pack("f", 0.1)) return tostring(a)',
  'return {struct.unpack(">i16", struct.pack(">i16", -2))}',
  'return {tostring(struct.unpack("L", "\\255\\255\\255\\255\\255\\255\\255\\255")), tostring(struct.unpack("l", "\\255\\255\\255\\255\\255\\255\\255\\127"))}',
  'return {struct.size("!4 b i d"), struct.size("c5"), struct.size("i"), struct.size("x x"), struct.size("b!8d"), struct.size("z")}',
  caught('return struct.size("s")'),
  caught('return struct.size("c0")'),
  caught('return struct.pack("i", "x")'),
  caught('return struct.pack("i")'),
  caught('return struct.pack("z")'),
  caught('return struct.pack("i40", 1)'),
  caught('return struct.pack("!3 i", 1)'),
  caught('return struct.pack("i99999999999", 1)'),
  caught('return struct.unpack("i", "ab")'),
  caught('return struct.unpack("i", "abcd", 0)'),
  caught('return struct.pack("c5", "ab")'),
  caught('return struct.unpack("c0", "abc")'),
  caught('return struct.unpack("s", "abc")'),
  caught('return struct.unpack("Q", "abc")'),
  caught('return struct.pack()'),
];

const BIT: string[] = [
  'return {bit.tobit(1), bit.band(1), bit.bxor(1, 2), bit.bor(1, 2, 4, 8, 16, 32, 64, 128), bit.tohex(65535), bit.tohex(-1, -4), bit.lshift(1, 31), bit.arshift(-256, 4), bit.rol(1, 33), bit.bswap(0x12345678), bit.bnot(0), bit.tobit(2^32 + 5)}',
  caught('return bit.band("x")'),
];

t.test(
  'script libraries: the same replies as redis-server 7.0.15',
  { skip: !redisAvailable() && 'redis-server not installed' },
  async (t) => {
    const [seshat, redis] = await Promise.all([startServer('seshat', { t }), startServer('redis', { t })]);
    const a = await RespClient.connect(seshat.port);
    const b = await RespClient.connect(redis.port);
    t.teardown(() => Promise.all([a.close(), b.close()]));
    for (const [lib, scripts] of Object.entries({
      cjson: CJSON,
      cmsgpack: CMSGPACK,
      struct: STRUCT,
      bit: BIT,
    })) {
      t.test(lib, async (t) => {
        for (const script of scripts) {
          const [got, want] = await Promise.all([
            a.send(['EVAL', script, '0']),
            b.send(['EVAL', script, '0']),
          ]);
          t.equal(show(got), show(want), script.length > 120 ? `${script.slice(0, 117)}...` : script);
        }
      });
    }
  },
);
