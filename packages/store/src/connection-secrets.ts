/**
 * Keeping Redis credentials out of what gets printed: URLs shown in messages, and the errors ioredis raises
 * when authentication fails.
 */

const MASK = '***';

/**
 * `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`; a URL without a password is returned as
 * is. Works on malformed input too (it is what an error about a malformed URL shows): everything between the
 * scheme and the last `@` counts as credentials, so a password holding an unescaped `@` or `/` is still masked.
 */
export function redactRedisUrl(raw: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(.*)@/s.exec(raw);
  if (!m?.[1] || m[2] === undefined) return raw;
  const userinfo = m[2];
  const colon = userinfo.indexOf(':');
  // Without a colon the whole user part may be a password (`redis://secret@host` is a common mistake).
  const shown = colon < 0 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`;
  return `${m[1]}${shown}@${raw.slice(m[0].length)}`;
}

interface CommandInfo {
  name?: unknown;
  args?: unknown;
}

/**
 * ioredis attaches the failed command (`{ name, args }`) to a reply error, and the error of a failed AUTH or
 * HELLO AUTH is also what every command queued behind it is rejected with. Masks the password in those
 * arguments, in place, so that logging the error (or a command's rejection) does not print it. Cluster errors
 * wrapping a node's error (`lastNodeError`) are masked too.
 */
export function scrubCredentials(err: unknown): void {
  if (typeof err !== 'object' || err === null) return;
  const command = (err as { command?: CommandInfo }).command;
  if (typeof command === 'object' && command !== null && Array.isArray(command.args)) {
    const name = String(command.name).toLowerCase();
    const args = command.args as unknown[];
    if (name === 'auth' && args.length > 0) {
      // AUTH <password> or AUTH <username> <password>.
      command.args = [...args.slice(0, -1), MASK];
    } else if (name === 'hello') {
      // HELLO <protover> [AUTH <username> <password>] [SETNAME <name>].
      const at = args.findIndex((a) => String(a).toUpperCase() === 'AUTH');
      if (at >= 0 && at + 2 < args.length) {
        command.args = args.map((a, i) => (i === at + 2 ? MASK : a));
      }
    }
  }
  const inner = (err as { lastNodeError?: unknown }).lastNodeError;
  if (inner !== undefined && inner !== err) scrubCredentials(inner);
}

/** Setup failures that retrying cannot fix: Redis refuses the credentials, or the server's certificate. */
export function fatalSetupError(err: unknown): 'AUTH' | 'TLS' | undefined {
  if (!(err instanceof Error)) return undefined;
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(err.message)) return 'AUTH';
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TLS_CERT_ERRORS.test(code)) return 'TLS';
  return undefined;
}

/** Node's certificate verification error codes (OpenSSL's names plus ERR_TLS_CERT_ALTNAME_INVALID). */
const TLS_CERT_ERRORS =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_[A-Z_]+)$/;
