#!/usr/bin/env node
/**
 * The `lingua-gateway` bin: config from LINGUA_* → start → serve until SIGTERM/SIGINT → graceful drain.
 * A second signal while draining stops at once. Exit code 1 on a start failure (bad config, Redis unreachable).
 */
import { createGateway } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lingua-gateway: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config);
  const gateway = await createGateway(config, { logger });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: stopping now');
      void gateway.stop().finally(() => process.exit(1));
      return;
    }
    logger.info({ signal }, 'draining');
    gateway.drain().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await gateway.start();
  } catch (err) {
    logger.fatal({ err }, 'gateway failed to start');
    await gateway.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();
