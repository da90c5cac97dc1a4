/**
 * Where a node keeps the id and token the gateway gave it, so that a reconnect (or a restart of the process)
 * re-registers as the same node instead of creating a new one.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NodeAgentError } from './errors.js';

export interface NodeIdentity {
  nodeId: string;
  /** ext `node_token` from the ack; absent when the gateway does not issue tokens. */
  nodeToken?: string;
}

export interface IdentityStore {
  load(): Promise<NodeIdentity | undefined>;
  save(identity: NodeIdentity): Promise<void>;
}

/** Keeps the identity for the lifetime of the process only. */
export function memoryIdentityStore(initial?: NodeIdentity): IdentityStore {
  let current = initial;
  return {
    load: () => Promise.resolve(current),
    save: (identity) => {
      current = { ...identity };
      return Promise.resolve();
    },
  };
}

/** A JSON file, written atomically (temp file + rename) so a crash never leaves half an identity. */
export function fileIdentityStore(path: string): IdentityStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new NodeAgentError(
          'IDENTITY_STORE',
          `cannot read node identity from ${path}`,
          { path },
          { cause: err },
        );
      }
      return parseIdentity(text, path);
    },
    async save(identity) {
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(tmp, `${JSON.stringify(identity)}\n`, { mode: 0o600 });
        await rename(tmp, path);
      } catch (err) {
        throw new NodeAgentError(
          'IDENTITY_STORE',
          `cannot write node identity to ${path}`,
          { path },
          { cause: err },
        );
      }
    },
  };
}

function parseIdentity(text: string, path: string): NodeIdentity {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NodeAgentError(
      'IDENTITY_STORE',
      `node identity file ${path} is not JSON`,
      { path },
      { cause: err },
    );
  }
  const o = raw as { nodeId?: unknown; nodeToken?: unknown } | null;
  if (typeof o?.nodeId !== 'string' || (o.nodeToken !== undefined && typeof o.nodeToken !== 'string')) {
    throw new NodeAgentError('IDENTITY_STORE', `node identity file ${path} has no valid nodeId`, { path });
  }
  return o.nodeToken === undefined ? { nodeId: o.nodeId } : { nodeId: o.nodeId, nodeToken: o.nodeToken };
}
