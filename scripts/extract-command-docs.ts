// Prints the command-docs.ts entries (compact form, see its header) of the commands named on the
// command line, and of their subcommands, as a running redis-server reports them over RESP3
// (COMMAND INFO and COMMAND DOCS). How the tables of command-docs*.ts were extracted; rerun it
// against redis-server 7.0.15 to add a command:
//   node --import=tsx scripts/extract-command-docs.ts PORT eval evalsha script function ...
import { RespClient, type RespValue, text } from '../test/helpers/resp-client.ts';

function items(v: RespValue): RespValue[] {
  if (v.type === 'array' || v.type === 'set') return v.value;
  throw new Error(`expected an aggregate, got ${v.type}`);
}

function pairs(v: RespValue): Map<string, RespValue> {
  if (v.type !== 'map') throw new Error(`expected a map, got ${v.type}`);
  return new Map(v.value.map(([k, x]) => [text(k), x]));
}

function num(v: RespValue): number {
  if (v.type !== 'integer') throw new Error(`expected an integer, got ${v.type}`);
  return Number(v.value);
}

function words(v: RespValue): string {
  return items(v).map(text).join(' ');
}

function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function keySpec(v: RespValue): string {
  const m = pairs(v);
  const bs = pairs(m.get('begin_search')!);
  const bsSpec = pairs(bs.get('spec')!);
  const fk = pairs(m.get('find_keys')!);
  const fkSpec = pairs(fk.get('spec')!);
  const bsType = text(bs.get('type')!);
  const fkType = text(fk.get('type')!);
  let begin = bsType;
  if (bsType === 'index') begin += ` ${num(bsSpec.get('index')!)}`;
  if (bsType === 'keyword') begin += ` ${text(bsSpec.get('keyword')!)} ${num(bsSpec.get('startfrom')!)}`;
  let find = fkType;
  if (fkType === 'range') {
    find += ` ${num(fkSpec.get('lastkey')!)} ${num(fkSpec.get('keystep')!)} ${num(fkSpec.get('limit')!)}`;
  }
  if (fkType === 'keynum') {
    find += ` ${num(fkSpec.get('keynumidx')!)} ${num(fkSpec.get('firstkey')!)} ${num(fkSpec.get('keystep')!)}`;
  }
  const parts = [words(m.get('flags')!), begin, find];
  const notes = m.get('notes');
  if (notes !== undefined) parts.push(text(notes));
  return q(parts.join(' | '));
}

const ARG_FLAG_CHARS: { readonly [flag: string]: string } = {
  optional: '?',
  multiple: '*',
  multiple_token: '+',
};

function argDoc(v: RespValue): string {
  const m = pairs(v);
  let s = `${text(m.get('name')!)} ${text(m.get('type')!)}`;
  const ksi = m.get('key_spec_index');
  if (ksi !== undefined) s += ` #${num(ksi)}`;
  const token = m.get('token');
  if (token !== undefined) s += ` =${text(token)}`;
  const since = m.get('since');
  if (since !== undefined) s += ` @${text(since)}`;
  const dep = m.get('deprecated_since');
  if (dep !== undefined) s += ` !${text(dep)}`;
  const flags = m.get('flags');
  if (flags !== undefined)
    s += ` ${items(flags)
      .map((f) => ARG_FLAG_CHARS[text(f)] ?? '')
      .join('')}`;
  for (const k of m.keys()) {
    if (
      ![
        'name',
        'type',
        'key_spec_index',
        'token',
        'since',
        'deprecated_since',
        'flags',
        'arguments',
      ].includes(k)
    ) {
      throw new Error(`argument field ${k} has no compact form`);
    }
  }
  const sub = m.get('arguments');
  if (sub === undefined) return q(s);
  return `[${q(s)}, [${items(sub).map(argDoc).join(', ')}]]`;
}

function entry(name: string, info: RespValue, doc: Map<string, RespValue>): string {
  const f = items(info);
  const lines = [`  ${name.includes('|') || name.includes('-') ? q(name) : name}: {`];
  lines.push(
    `    info: [${num(f[1]!)}, ${q(words(f[2]!))}, ${num(f[3]!)}, ${num(f[4]!)}, ${num(f[5]!)}, ${q(words(f[6]!))}],`,
  );
  const tips = items(f[7]!).map((t) => q(text(t)));
  if (tips.length > 0) lines.push(`    tips: [${tips.join(', ')}],`);
  const keys = items(f[8]!).map(keySpec);
  if (keys.length > 0) lines.push(`    keys: [${keys.join(', ')}],`);
  const d = (k: string): string => q(text(doc.get(k)!));
  lines.push(`    doc: [${d('summary')}, ${d('since')}, ${d('group')}, ${d('complexity')}],`);
  if (doc.has('doc_flags')) lines.push(`    docFlags: ${q(words(doc.get('doc_flags')!))},`);
  if (doc.has('deprecated_since'))
    lines.push(`    deprecated: [${d('deprecated_since')}, ${d('replaced_by')}],`);
  if (doc.has('history')) {
    const h = items(doc.get('history')!).map(
      (p) =>
        `[${items(p)
          .map((x) => q(text(x)))
          .join(', ')}]`,
    );
    lines.push(`    history: [${h.join(', ')}],`);
  }
  if (doc.has('arguments')) lines.push(`    args: [${items(doc.get('arguments')!).map(argDoc).join(', ')}],`);
  lines.push('  },');
  return lines.join('\n');
}

async function extract(client: RespClient, name: string, out: string[]): Promise<void> {
  const [info] = items(await client.send(['COMMAND', 'INFO', name]));
  const docs = pairs(await client.send(['COMMAND', 'DOCS', name]));
  const doc = pairs(docs.get(name)!);
  out.push(entry(name, info!, doc));
  const subs = items(info!)[9]!;
  const names = items(subs)
    .map((s) => text(items(s)[0]!))
    .sort();
  for (const sub of names) await extract(client, sub, out);
}

const [port, ...names] = process.argv.slice(2);
const client = await RespClient.connect(Number(port));
await client.send(['HELLO', '3']);
const out: string[] = [];
for (const name of names) await extract(client, name.toLowerCase(), out);
await client.close();
process.stdout.write(`${out.join('\n')}\n`);
