#!/usr/bin/env node
/**
 * The `lingua-gateway` bin: config from LINGUA_* → start → serve until SIGTERM/SIGINT → graceful drain.
 * A second signal while draining exits at once. Exit codes: 0 after a drain, 1 on a failed start or a forced
 * exit, 2 on invalid configuration.
 */
import { createGateway } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

/** Beyond the drain timeout, what closing may take before the process gives up waiting (e.g. Redis is gone). */
const CLOSE_GRACE_MS = 10_000;

const USAGE = `lingua-gateway — the Lingua scheduler between speech-translation sessions and GPU nodes

Usage: lingua-gateway [--help]

Configured only through LINGUA_* environment variables (every one, with its default, is listed in the
README's Configuration table). The ones most deployments set:
  LINGUA_PORT                  HTTP + WebSocket port (default 5010)
  LINGUA_REDIS_URL             standalone Redis (default redis://127.0.0.1:6379)
  LINGUA_REDIS_CLUSTER_NODES   comma-separated host:port seeds; Redis Cluster mode when set
  LINGUA_REDIS_USERNAME        Redis ACL user (both modes)
  LINGUA_REDIS_PASSWORD_FILE   file holding the Redis password (or LINGUA_REDIS_PASSWORD)
  LINGUA_REDIS_TLS             1 = TLS to Redis; LINGUA_REDIS_TLS_CA_FILE names a PEM CA bundle
  LINGUA_INSTANCE_ID           unique id of this instance (default <hostname>-<random>)
  LINGUA_KEY_PREFIX            prefix of every Redis key (default lingua)
  LINGUA_LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)

Endpoints: /ws/node, /ws/session, /healthz, /readyz, /metrics, /api/v1/...
SIGTERM or SIGINT drains gracefully; a second signal exits at once.
Exit codes: 0 drained, 1 failed start or forced exit, 2 invalid configuration.
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
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
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'draining');
    // Closing waits on Redis (registrations are removed); if Redis is unreachable that must not hang forever.
    setTimeout(() => {
      logger.error('drain did not finish in time; exiting');
      process.exit(1);
    }, config.drainTimeoutMs + CLOSE_GRACE_MS).unref();
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
