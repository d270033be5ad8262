/**
 * The arguments Redis hides from SLOWLOG and MONITOR (redactClientCommandArgument): passwords of
 * AUTH, HELLO ... AUTH and MIGRATE ... AUTH/AUTH2, and CONFIG SET of sensitive parameters. A
 * hidden argument is null; callers show it as "(redacted)".
 */
import { argIs } from '@seshat/kv';

/** Arguments Redis redacts (redactClientCommandArgument): passwords and sensitive configs. */
export function redact(argv: readonly Buffer[]): (Buffer | null)[] {
  const out: (Buffer | null)[] = [...argv];
  const hide = (from: number, count: number) => {
    for (let i = from; i < from + count && i < out.length; i++) out[i] = null;
  };
  const name = argv[0]!.toString('latin1').toLowerCase();
  if (name === 'auth') hide(1, out.length);
  else if (name === 'hello') {
    for (let i = 2; i < argv.length; i++) if (argIs(argv[i]!, 'auth')) hide(i + 1, 2);
  } else if (name === 'config' && argv.length > 1 && argIs(argv[1]!, 'set')) {
    for (let i = 2; i + 1 < argv.length; i += 2) {
      const p = argv[i]!.toString('latin1').toLowerCase();
      if (p === 'requirepass' || p === 'masterauth' || p === 'masteruser' || p === 'sql-password')
        hide(i + 1, 1);
    }
  } else if (name === 'migrate') {
    for (let i = 6; i < argv.length; i++) {
      if (argIs(argv[i]!, 'auth')) hide(i + 1, 1);
      else if (argIs(argv[i]!, 'auth2')) hide(i + 1, 2);
    }
  }
  return out;
}
