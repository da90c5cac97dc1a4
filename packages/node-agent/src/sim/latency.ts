/** Simulated inference latency: `100` (fixed) or `50-150` (uniform), in milliseconds. */
import type { Random } from '@lingua/protocol';
import { NodeAgentError } from '../errors.js';

export interface Latency {
  minMs: number;
  maxMs: number;
}

export function parseLatency(spec: string): Latency {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*(?:ms)?\s*$/.exec(spec);
  if (m === null) {
    throw new NodeAgentError(
      'INVALID_OPTIONS',
      `latency must look like 100 or 50-150 (ms), got ${JSON.stringify(spec)}`,
    );
  }
  const minMs = Number(m[1]);
  const maxMs = m[2] === undefined ? minMs : Number(m[2]);
  if (maxMs < minMs) throw new NodeAgentError('INVALID_OPTIONS', `latency range ${spec} is reversed`);
  return { minMs, maxMs };
}

export function sampleLatency(latency: Latency, random: Random): number {
  return Math.round(latency.minMs + (latency.maxMs - latency.minMs) * random());
}
