/**
 * The node record stored as JSON in a shard's `info` hash (field = nodeId). Written by shard-upsert, updated by
 * node-heartbeat / node-set-status / select-reserve (silent → offline). See lua/README.md.
 */
export type NodeStatus = 'registering' | 'ready' | 'degraded' | 'draining' | 'offline';

export const NODE_STATUSES: readonly NodeStatus[] = [
  'registering',
  'ready',
  'degraded',
  'draining',
  'offline',
];

export interface NodeUsage {
  cpu: number;
  gpu?: number;
  gpu_mem?: number;
  mem: number;
  running: number;
}

export interface NodeRecord {
  id: string;
  epoch: number;
  /** Instance id of the gateway holding the node's socket. */
  owner: string;
  status: NodeStatus;
  pool: string;
  shard: number;
  region: string;
  tier: string;
  /** Max concurrent jobs. */
  max: number;
  /** Consecutive healthy / unhealthy heartbeats. */
  ok: number;
  bad: number;
  usage: NodeUsage;
  /** Service types running (asr, nmt, tts, ...). */
  svc: string[];
  reg_at: number;
  hb_at: number;
  version?: string;
  /** Languages as the node reported them (free-form; for the admin API and dashboard). */
  langs: Record<string, unknown>;
  /** When status last changed. */
  status_at?: number;
  /** 'silent' (no heartbeat within the liveness TTL; a heartbeat revives it) or 'set' (commanded offline). */
  off_reason?: 'silent' | 'set';
  [extra: string]: unknown;
}

/** What a caller passes to shard-upsert: the script fills id, epoch and hb_at. */
export type NodeRecordInput = Omit<NodeRecord, 'id' | 'epoch' | 'hb_at'>;

/** Parses a stored record; Lua's cjson writes an empty table as `{}`, so list fields are normalised. */
export function decodeNodeRecord(json: string): NodeRecord {
  return normalise(JSON.parse(json) as NodeRecord);
}

/** `decodeNodeRecord` for stored text that may be damaged: undefined unless it is a JSON object. */
export function tryDecodeNodeRecord(json: string): NodeRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return normalise(value as NodeRecord);
}

function normalise(rec: NodeRecord): NodeRecord {
  if (!Array.isArray(rec.svc)) rec.svc = [];
  if (rec.langs === null || typeof rec.langs !== 'object') rec.langs = {};
  return rec;
}
