import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestKeys } from '../testing/auth-keys.js';
import { loadAuthConfig } from './auth-config.js';
import { parseDurationMs } from './duration.js';
import type { Role } from './roles.js';
import { runTokenCommand } from './token-command.js';
import { createAuthVerifier, type AuthResult } from './verifier.js';

const keys = createTestKeys();
afterAll(() => keys.remove());

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runTokenCommand(argv, env, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

function verify(env: Record<string, string>, token: string, role: Role): Promise<AuthResult> {
  const req = new IncomingMessage(new Socket());
  req.url = '/';
  req.headers = { authorization: `Bearer ${token}` };
  return createAuthVerifier(loadAuthConfig(env)).verify(req, role);
}

describe('lingua-token', () => {
  it('prints only a node token, signed with the configured HS256 secret, that the gateway admits', async () => {
    const env = { LINGUA_AUTH_JWT_SECRET_FILE: keys.secretFile };
    const { code, stdout, stderr } = await run(['--role', 'node', '--node-id', 'n-1', '--ttl', '1h'], env);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = stdout.trim();
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ role: 'node', node_id: 'n-1', sub: 'n-1' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3_600);
    const result = await verify(env, token, 'node');
    expect(result.ok && result.principal.mayUseNodeId('n-1')).toBe(true);
  });

  it('signs with --private-key-file (relative to where npm was run), issuer and audience from the env', async () => {
    const env = {
      INIT_CWD: keys.dir,
      LINGUA_AUTH_JWT_ISSUER: 'https://auth.example',
      LINGUA_AUTH_JWT_AUDIENCE: 'lingua-gateway',
    };
    const argv = [
      '--role',
      'session',
      '--sub',
      'u-7',
      '--tenant',
      'acme',
      '--private-key-file',
      'ec.key.pem',
    ];
    const { code, stdout } = await run(argv, env);
    expect(code).toBe(0);
    const token = stdout.trim();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(decodeJwt(token)).toMatchObject({
      iss: 'https://auth.example',
      aud: 'lingua-gateway',
      tenant: 'acme',
    });
    const result = await verify(
      { ...env, LINGUA_AUTH_JWT_PUBLIC_KEY_FILE: keys.ec.publicFile },
      token,
      'session',
    );
    expect(result.ok && result.principal).toMatchObject({ role: 'session', subject: 'u-7', tenant: 'acme' });
  });

  it('exits 2 with a message on stderr, and nothing on stdout, for bad arguments or a missing key', async () => {
    const env = { LINGUA_AUTH_JWT_SECRET: keys.secret };
    const cases: [string[], Record<string, string>, string][] = [
      [['--node-id', 'n-1'], env, '--role must be node, session or admin'],
      [['--role', 'root'], env, '--role must be node, session or admin'],
      [['--role', 'node'], env, 'exactly one of nodeId, nodeIdPrefix'],
      [['--role', 'session', '--node-id', 'n-1'], env, 'only node tokens carry a node id'],
      [['--role', 'session', '--ttl', 'soon'], env, '--ttl must be a duration'],
      [['--role', 'session', '--bogus'], env, "Unknown option '--bogus'"],
      [['--role', 'session'], {}, 'no key: set LINGUA_AUTH_JWT_SECRET'],
      [
        ['--role', 'session', '--private-key-file', keys.rsa.publicFile],
        {},
        'not a valid unencrypted PEM private key',
      ],
    ];
    for (const [argv, e, message] of cases) {
      const { code, stdout, stderr } = await run(argv, e);
      expect({ argv, code, stdout }).toEqual({ argv, code: 2, stdout: '' });
      expect(stderr).toContain(message);
    }
  });

  it('does not echo a short secret, or a secret put where a file name belongs', async () => {
    const short = 'too-short-but-still-secret';
    const envs: Record<string, string>[] = [
      { LINGUA_AUTH_JWT_SECRET: short },
      { LINGUA_AUTH_JWT_SECRET_FILE: keys.file('short-secret', short) },
      { LINGUA_AUTH_JWT_SECRET_FILE: short },
    ];
    for (const env of envs) {
      const { code, stderr } = await run(['--role', 'session'], env);
      expect(code).toBe(2);
      expect(stderr).toContain('LINGUA_AUTH_JWT_SECRET');
      expect(stderr).not.toContain(short);
    }
  });

  it('--help prints the usage on stdout', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: lingua-token --role node|session|admin');
  });

  it('parses durations', () => {
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('7d')).toBe(604_800_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('30')).toBe(30_000);
    for (const bad of ['0', '0s', '-1h', '1.5h', 'h', '1w', '']) expect(parseDurationMs(bad)).toBeUndefined();
  });

  it('the entry point prints the token alone and sets the exit code', async () => {
    const entry = fileURLToPath(new URL('./token-cli.ts', import.meta.url));
    const spawnCli = async (args: string[]) => {
      const child = spawn(
        process.execPath,
        ['--conditions=@lingua/source', '--import', 'tsx', entry, ...args],
        {
          env: { PATH: process.env.PATH ?? '', LINGUA_AUTH_JWT_SECRET: keys.secret },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const [code] = (await once(child, 'close')) as [number];
      return { code, stdout, stderr };
    };
    const ok = await spawnCli(['--role', 'admin', '--ttl', '5m']);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout.split('\n')).toHaveLength(2);
    expect((await verify({ LINGUA_AUTH_JWT_SECRET: keys.secret }, ok.stdout.trim(), 'admin')).ok).toBe(true);
    const bad = await spawnCli(['--role', 'nobody']);
    expect(bad).toMatchObject({ code: 2, stdout: '' });
  });
});
