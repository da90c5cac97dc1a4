import { unexpectedReply } from '../errors.js';
import type { ScriptRunner } from '../scripts/loader.js';

export type NodeReleaseResult = { status: 'OK' } | { status: 'STALE'; epoch: number } | { status: 'GONE' };

/**
 * Clears the owner of a node registration unless a newer registration (higher epoch) has replaced it; the identity
 * (id, epoch, issued token) then expires `retentionMs` later unless the node registers again.
 */
export async function nodeRelease(
  runner: ScriptRunner,
  nodeKey: string,
  args: { epoch: number; now: number; retentionMs: number },
): Promise<NodeReleaseResult> {
  const r = await runner.run('node-release', [nodeKey], [args.epoch, args.now, args.retentionMs]);
  switch (r[0]) {
    case 'OK':
      return { status: 'OK' };
    case 'STALE':
      return { status: 'STALE', epoch: Number(r[1]) };
    case 'GONE':
      return { status: 'GONE' };
    default:
      throw unexpectedReply('node-release', r);
  }
}
