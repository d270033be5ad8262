#!/usr/bin/env node
/**
 * `seshat`: starts one node. Configuration comes from defaults, then `--config FILE`, then
 * `--<parameter> <value>` flags; anything invalid stops the start with a message naming it.
 * `seshat cluster status|init|add|promote|remove|transfer-leader|snapshot --host H --port P` (or
 * `--grpc HOST:RAFTPORT`) instead administers a running cluster node (admin-cli.ts).
 */
import { SeshatError } from '@seshat/common';
import { runClusterCli } from './admin-cli.js';
import { Config, ConfigError, helpText, loadConfigFile, type ParamValue, parseArgs } from './config.js';
import { createLogger } from './logger.js';
import { SeshatServer } from './server.js';

const VERSION = '0.1.0';

async function main(): Promise<number> {
  // `seshat cluster ...`: the admin client (admin-cli.ts), not a server start.
  if (process.argv[2] === 'cluster') return runClusterCli(process.argv.slice(3));
  let cli: ReturnType<typeof parseArgs>;
  let overrides: Record<string, ParamValue>;
  try {
    cli = parseArgs(process.argv.slice(2));
    if (cli.help) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    if (cli.version) {
      process.stdout.write(`seshat ${VERSION}\n`);
      return 0;
    }
    overrides = { ...(cli.configFile ? loadConfigFile(cli.configFile) : {}), ...cli.overrides };
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const config = new Config(overrides);
  const logger = createLogger(config.str('log-level'), config.str('log-format'));
  const server = new SeshatServer(config, logger, cli.configFile);
  try {
    await server.start();
  } catch (e) {
    if (e instanceof SeshatError && e.code === 'DATA_DIR_LOCKED') {
      logger.fatal(e.message);
      process.stderr.write(`seshat: ${e.message}\n`);
      return 1;
    }
    // An operating error the operator can fix (bad join target, refused join): its text only.
    if (e instanceof SeshatError && (e.code === 'JOIN_FAILED' || e.code === 'CONFIG_INVALID')) {
      logger.fatal(e.message);
      process.stderr.write(`seshat: ${e.message}\n`);
      await server.shutdown('startup failed');
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`seshat: port ${config.int('port')} is already in use\n`);
      await server.shutdown('startup failed');
      return 1;
    }
    throw e;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      void server.shutdown(signal).then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    server.onShutdown = () => resolve(0);
  });
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`seshat: fatal: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
