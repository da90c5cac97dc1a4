/**
 * The gateway configuration of the system tests: short ticks, probes and deadlines so faults show and heal
 * within seconds, and no per-connection rate limit (the load tests pipeline thousands of frames per socket).
 */
export const PROBE_MS = 1_000;
/** Presence TTL = 3 ticks: long enough that a short CLIENT PAUSE never looks like a dead instance. */
export const TICK_MS = 1_000;
export const SWEEP_MS = 500;
export const JOB_TIMEOUT_MS = 1_500;
export const RESUME_GRACE_MS = 1_500;

export function systemEnv(prefix: string): Record<string, string> {
  return {
    LINGUA_KEY_PREFIX: prefix,
    LINGUA_HOST: '127.0.0.1',
    LINGUA_LOG_LEVEL: process.env.LINGUA_TEST_LOG_LEVEL ?? 'warn',
    LINGUA_INBOX_PROBE_MS: String(PROBE_MS),
    LINGUA_INSTANCE_TICK_MS: String(TICK_MS),
    LINGUA_SWEEP_INTERVAL_MS: String(SWEEP_MS),
    LINGUA_JOB_TIMEOUT_MS: String(JOB_TIMEOUT_MS),
    LINGUA_JOB_MAX_ATTEMPTS: '2',
    LINGUA_SESSION_RESUME_GRACE_MS: String(RESUME_GRACE_MS),
    LINGUA_RATE_LIMIT_PER_S: '1000000',
    LINGUA_RATE_LIMIT_BURST: '1000000',
    LINGUA_DRAIN_TIMEOUT_MS: '0',
    // Raw nodes ask for up to 1,000 slots; the gateway grants at most this.
    LINGUA_NODE_MAX_JOBS: '1000',
  };
}
