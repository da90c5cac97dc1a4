import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestkitError } from './errors.js';
import { onPath, runDir } from './tracked-process.js';

/** A throwaway CA and one server certificate it signed, as files (for redis-server) and the CA as PEM. */
export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  /** PEM of the CA: what a client passes as its trusted CA bundle. */
  readonly ca: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Names the server certificate is valid for: every kit server listens on loopback. */
const SUBJECT_ALT_NAMES = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

let shared: TestCertificates | undefined;

export function opensslInstalled(): boolean {
  return onPath('openssl');
}

/**
 * Generates a CA and a server certificate (EC P-256, valid 2 days, for 127.0.0.1 and localhost) with the
 * `openssl` CLI (Node's crypto cannot issue certificates). One set per test process, in the kit's run dir; the
 * same certificate serves as the client certificate of a Cluster's TLS bus.
 */
export function testCertificates(): TestCertificates {
  if (shared !== undefined) return shared;
  if (!opensslInstalled()) {
    throw new TestkitError(
      'OPENSSL_NOT_INSTALLED',
      'openssl not found: install it (apt-get install -y openssl)',
    );
  }
  const dir = join(runDir(), 'tls');
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const openssl = (args: string[]): void => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err);
      throw new TestkitError('TLS_SETUP_FAILED', `openssl ${args[0] ?? ''}: ${stderr}`, { cause: err });
    }
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=lingua-test-ca',
  ]);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(file('server.ext'), `${SUBJECT_ALT_NAMES}\n`);
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  ]);
  shared = {
    dir,
    caFile: file('ca.crt'),
    ca: readFileSync(file('ca.crt'), 'utf8'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
  };
  return shared;
}
