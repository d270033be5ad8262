/** Redis's addReplyHelp and addReplySubcommandSyntaxError, for the scripting containers. */
import { ErrorReply, SimpleString, type Reply } from '@seshat/common';

export function helpReply(argv: Buffer[], lines: readonly string[]): Reply {
  const cmd = argv[0]!.toString('latin1').toUpperCase();
  const out: Reply[] = [new SimpleString(`${cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const l of lines) out.push(new SimpleString(l));
  out.push(new SimpleString('HELP'), new SimpleString('    Prints this help.'));
  return out;
}

export function subcommandSyntaxError(argv: Buffer[]): ErrorReply {
  const cmd = argv[0]!.toString('latin1').toUpperCase();
  const sub = argv[1]!.toString('latin1').slice(0, 128);
  return new ErrorReply(
    `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${cmd} HELP.`.replace(
      /[\r\n]/g,
      ' ',
    ),
  );
}
