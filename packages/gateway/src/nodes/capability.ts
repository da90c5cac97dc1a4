/**
 * What a node's frames say about where it belongs and whether it is healthy. The pool mapping itself
 * (language blocks, tier, signature, pool id) is the store's `computeCapability`, shared with every other user of
 * pools. Callers bound the languages first (`languageLimitViolation`).
 */
import { computeCapability, type Capability, type CapabilityInput } from '@lingua/store';
import type { GatewayConfig } from '../config.js';

export type Placement = Capability;

/**
 * Thousands of nodes share a handful of pools: every registration of one pool shares one frozen Placement
 * (its blocks and signature) instead of holding its own copy for the life of the socket.
 */
const interned = new Map<string, Placement>();
const MAX_INTERNED = 10_000;

/** The pool of a node: capability from its languages (or models), region and tier (ext fields or defaults). */
export function placementOf(
  input: CapabilityInput,
  config: Pick<GatewayConfig, 'region' | 'gpuTierThresholds'>,
): Placement {
  const p = computeCapability(input, { region: config.region, tierThresholds: config.gpuTierThresholds });
  const known = interned.get(p.poolId);
  if (known) return known;
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(p.poolId, Object.freeze(p));
  return p;
}

/** Services that must run for a node to be healthy. */
const CORE_SERVICES = ['asr', 'nmt', 'tts'] as const;

/**
 * Healthy = each core service is running (an installed service in status `running`, or a capability entry
 * marked ready) and a GPU is present (when the gateway requires one).
 */
export function isHealthy(
  hb: {
    installed_services: { type: string; status: string }[];
    capability_by_type: { type: string; ready: boolean }[];
  },
  gpuPresent: boolean,
): boolean {
  if (!gpuPresent) return false;
  return CORE_SERVICES.every(
    (t) =>
      hb.installed_services.some((s) => s.type === t && s.status === 'running') ||
      hb.capability_by_type.some((c) => c.type === t && c.ready),
  );
}

/** Service types currently running, for the node record. */
export function runningServices(services: { type: string; status: string }[] | undefined): string[] {
  return [...new Set((services ?? []).filter((s) => s.status === 'running').map((s) => s.type))].sort();
}
