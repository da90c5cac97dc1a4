/**
 * The language index snapshot (pools, pair → pools, shard member counts, version) is read by the store; the
 * gateway's names for it.
 */
export {
  parseShardField,
  readIndexSnapshot,
  type IndexSnapshot,
  type SnapshotPoolMeta as PoolMeta,
} from '@lingua/store';
