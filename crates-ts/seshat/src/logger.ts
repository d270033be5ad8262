/** pino logger: JSON lines on stdout; pretty (pino-pretty, same process) on a TTY. */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(level: string, format: string): Logger {
  const usePretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (usePretty) return pino(options, pretty({ colorize: true, sync: true }));
  return pino(options, pino.destination({ fd: 1, sync: true }));
}
