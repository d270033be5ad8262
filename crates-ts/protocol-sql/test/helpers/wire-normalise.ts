// Normalises raw backend messages for comparison between servers: drops BackendKeyData and
// the server_version / session_authorization ParameterStatus, keeps of errors and notices severity, code, message, detail, hint and
// position (not file/line/routine/where), of RowDescription the column name, type OID, size,
// typmod and format (not table OIDs), and prints the rest as hex or text.
import { errorFields, type RawMessage } from './wire-client.js';

function describeRow(body: Buffer): string {
  const n = body.readInt16BE(0);
  const cols: string[] = [];
  let at = 2;
  for (let i = 0; i < n; i++) {
    const nul = body.indexOf(0, at);
    const name = body.toString('utf8', at, nul);
    at = nul + 1;
    const oid = body.readInt32BE(at + 6);
    const size = body.readInt16BE(at + 10);
    const typmod = body.readInt32BE(at + 12);
    const format = body.readInt16BE(at + 16);
    at += 18;
    cols.push(`${name}:${oid}/${size}/${typmod}/${format}`);
  }
  return `T ${cols.join(' ')}`;
}

export function normalise(msgs: RawMessage[]): string[] {
  return msgs.flatMap((m) => {
    switch (m.type) {
      case 'S': {
        // Startup's values differ by server (versions); later ones report SET changes.
        const [name, value] = m.body.toString('utf8').split('\0');
        return name === 'server_version' || name === 'session_authorization' ? [] : [`S ${name}=${value}`];
      }
      case 'K':
        return [];
      case 'E':
      case 'N': {
        const f = errorFields(m.body);
        const extra = ['D', 'H', 'P'].filter((k) => f[k] !== undefined).map((k) => ` ${k}=${f[k]}`);
        return [`${m.type} ${f.S}/${f.V} ${f.C} ${f.M}${extra.join('')}`];
      }
      case 'T':
        return [describeRow(m.body)];
      case 'C':
        return [`C ${m.body.toString('utf8', 0, m.body.length - 1)}`];
      case 'Z':
        return [`Z ${m.body.toString()}`];
      case 'd':
        return [`d ${JSON.stringify(m.body.toString('utf8'))}`];
      default:
        return [`${m.type} ${m.body.toString('hex')}`];
    }
  });
}
