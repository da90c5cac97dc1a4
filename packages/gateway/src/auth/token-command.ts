/**
 * The `lingua-token` command: mints one gateway token from the configured key and prints only the token, so
 * that `TOKEN=$(npm run -s token -- --role node --node-id n-1)` works. The HS256 secret comes from the same
 * variables the gateway reads (LINGUA_AUTH_JWT_SECRET or LINGUA_AUTH_JWT_SECRET_FILE); an asymmetric key is
 * given with --private-key-file. Issuer and audience default to LINGUA_AUTH_JWT_ISSUER / _AUDIENCE.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config-error.js';
import { loadHmacSecret } from './auth-config.js';
import { parseDurationMs } from './duration.js';
import { readKeyFile } from './key-material.js';
import { DEFAULT_TOKEN_TTL_MS, mintToken, MintTokenError, type MintTokenOptions } from './mint-token.js';
import { isRole } from './roles.js';

export const TOKEN_USAGE = `lingua-token — mint a gateway access token (printed alone on stdout)

Usage: lingua-token --role node|session|admin [options]
  --role R                node, session or admin (required)
  --node-id ID            node tokens: the one node id it may register as
  --node-id-prefix P      node tokens: node ids it may register as start with P
  --sub S                 subject (default: the node id or prefix, else the role)
  --tenant T              tenant claim
  --ttl D                 lifetime: 90s, 15m, 1h, 7d (default 1h)
  --issuer I              iss claim (default LINGUA_AUTH_JWT_ISSUER)
  --audience A            aud claim (default LINGUA_AUTH_JWT_AUDIENCE)
  --private-key-file F    sign with this PEM private key (RS256/ES256/ES384/EdDSA by key type)
  --kid K                 key id header, to select a key from a JWKS
Without --private-key-file the HS256 secret is read from LINGUA_AUTH_JWT_SECRET or LINGUA_AUTH_JWT_SECRET_FILE.
Exit codes: 0 printed a token, 2 invalid arguments or key.
`;

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Runs the command; returns its exit code. Relative paths resolve against where npm was invoked from. */
export async function runTokenCommand(argv: readonly string[], env: Env, io: CommandIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`lingua-token: ${message}\n`);
    return 2;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        role: { type: 'string' },
        'node-id': { type: 'string' },
        'node-id-prefix': { type: 'string' },
        sub: { type: 'string' },
        tenant: { type: 'string' },
        ttl: { type: 'string' },
        issuer: { type: 'string' },
        audience: { type: 'string' },
        'private-key-file': { type: 'string' },
        kid: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${TOKEN_USAGE}`);
  }
  if (values.help) {
    io.stdout(TOKEN_USAGE);
    return 0;
  }
  if (!isRole(values.role)) return fail('--role must be node, session or admin');
  const ttlMs = values.ttl === undefined ? DEFAULT_TOKEN_TTL_MS : parseDurationMs(values.ttl);
  if (ttlMs === undefined)
    return fail(`--ttl must be a duration like 90s, 15m, 1h or 7d, got "${values.ttl}"`);

  const baseDir = env['INIT_CWD'] ?? process.cwd();
  const resolvePath = (p: string): string => resolve(baseDir, p);
  const blankToUndefined = (v: string | undefined): string | undefined => (v?.trim() ? v.trim() : undefined);
  try {
    const keyFile = values['private-key-file'];
    const key: Pick<MintTokenOptions, 'secret' | 'privateKey'> =
      keyFile !== undefined
        ? { privateKey: readKeyFile('--private-key-file', resolvePath(keyFile)) }
        : { secret: requireSecret(loadHmacSecret(env, resolvePath)) };
    const issuer = values.issuer ?? blankToUndefined(env['LINGUA_AUTH_JWT_ISSUER']);
    const audience = values.audience ?? blankToUndefined(env['LINGUA_AUTH_JWT_AUDIENCE']);
    const token = await mintToken({
      ...key,
      role: values.role,
      ttlMs,
      ...(values.sub !== undefined && { sub: values.sub }),
      ...(values['node-id'] !== undefined && { nodeId: values['node-id'] }),
      ...(values['node-id-prefix'] !== undefined && { nodeIdPrefix: values['node-id-prefix'] }),
      ...(values.tenant !== undefined && { tenant: values.tenant }),
      ...(issuer !== undefined && { issuer }),
      ...(audience !== undefined && { audience }),
      ...(values.kid !== undefined && { kid: values.kid }),
    });
    io.stdout(`${token}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof MintTokenError) return fail(err.message);
    throw err;
  }
}

function requireSecret(secret: Uint8Array | undefined): Uint8Array {
  if (secret === undefined) {
    throw new MintTokenError(
      'no key: set LINGUA_AUTH_JWT_SECRET or LINGUA_AUTH_JWT_SECRET_FILE, or pass --private-key-file',
    );
  }
  return secret;
}
