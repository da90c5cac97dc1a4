/**
 * Logging of what a peer sent, without letting the peer write the log: every string field is cut to
 * `PEER_TEXT_MAX` characters (noting the original length), objects are serialized and cut the same way, and each
 * socket gets at most `maxLines` such lines per `windowMs`; the lines over that are counted and reported in one
 * "suppressed" line when the next window opens or the socket closes.
 */
import type { Logger } from 'pino';

export const PEER_TEXT_MAX = 256;

type Level = 'warn' | 'info' | 'debug';

export interface PeerLogLimits {
  maxLines: number;
  windowMs: number;
}

const DEFAULT_LIMITS: PeerLogLimits = { maxLines: 20, windowMs: 10_000 };

/** `text` cut to `max` characters, with the original length noted when it was longer. */
export function clip(text: string, max = PEER_TEXT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length} chars]`;
}

/** The fields of a log line with every peer-provided value bounded (errors the gateway raised pass as they are). */
export function clipFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') out[key] = clip(value);
    else if (value !== null && typeof value === 'object' && !(value instanceof Error)) {
      const json = safeJson(value);
      out[key] = json.length <= PEER_TEXT_MAX ? value : clip(json);
    } else out[key] = value;
  }
  return out;
}

function safeJson(value: object): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unserializable]';
  }
}

export class PeerLog {
  private windowStart = -Infinity;
  private lines = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly limits: PeerLogLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  warn(fields: Record<string, unknown>, msg: string): void {
    this.write('warn', fields, msg);
  }

  info(fields: Record<string, unknown>, msg: string): void {
    this.write('info', fields, msg);
  }

  debug(fields: Record<string, unknown>, msg: string): void {
    this.write('debug', fields, msg);
  }

  /** Reports the lines suppressed so far (the socket is closing). */
  flush(): void {
    if (this.suppressed === 0) return;
    this.logger.warn({ suppressed: this.suppressed }, 'peer log lines suppressed');
    this.suppressed = 0;
  }

  private write(level: Level, fields: Record<string, unknown>, msg: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const now = this.now();
    if (now - this.windowStart >= this.limits.windowMs) {
      this.flush();
      this.windowStart = now;
      this.lines = 0;
    }
    if (this.lines >= this.limits.maxLines) {
      this.suppressed++;
      return;
    }
    this.lines++;
    this.logger[level](clipFields(fields), msg);
  }
}
