/** N simulated nodes in one process, each a NodeAgent with fake inference and its own seeded randomness. */
import { join } from 'node:path';
import { seededRandom } from '@lingua/protocol';
import { NodeAgent } from '../node-agent.js';
import type { NodeIdentity } from '../identity-store.js';
import { createFakeInference } from './fake-inference.js';
import type { Latency } from './latency.js';
import { simProfile } from './profile.js';

export interface SimFleetOptions {
  url: string;
  /** Gateway credential every node sends (see `NodeAgentOptions.token`). */
  token?: string;
  nodes: number;
  asrLanguages: string[];
  targetLanguages: string[];
  langSets?: string[][];
  region?: string;
  gpuTier?: string;
  latency: Latency;
  failureRate: number;
  tts: boolean;
  maxJobs: number;
  heartbeatIntervalMs?: number;
  drainTimeoutMs?: number;
  /** Directory for `node-<i>.json` identity files, so restarts keep node ids. */
  stateDir?: string;
  seed?: number;
  rejectRepeats?: boolean;
}

export interface SimFleet {
  readonly agents: readonly NodeAgent[];
  /** Resolves when every node has registered once. */
  readonly registered: Promise<NodeIdentity[]>;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export function startSimFleet(opts: SimFleetOptions): SimFleet {
  const seed = opts.seed ?? 1;
  const agents = Array.from({ length: opts.nodes }, (_, i) => {
    const random = seededRandom(seed * 7919 + i);
    const agent = new NodeAgent({
      url: opts.url,
      ...(opts.token === undefined ? {} : { token: opts.token }),
      profile: simProfile({
        asrLanguages: opts.asrLanguages,
        targetLanguages: opts.targetLanguages,
        ...(opts.langSets === undefined ? {} : { langSets: opts.langSets }),
        ...(opts.region === undefined ? {} : { region: opts.region }),
        ...(opts.gpuTier === undefined ? {} : { gpuTier: opts.gpuTier }),
      }),
      handler: createFakeInference({
        latency: opts.latency,
        failureRate: opts.failureRate,
        tts: opts.tts,
        random,
        ...(opts.rejectRepeats === undefined ? {} : { rejectRepeats: opts.rejectRepeats }),
      }),
      maxConcurrentJobs: opts.maxJobs,
      drainOnSigterm: false,
      random,
      ...(opts.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: opts.heartbeatIntervalMs }),
      ...(opts.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: opts.drainTimeoutMs }),
      ...(opts.stateDir === undefined ? {} : { stateFile: join(opts.stateDir, `node-${i}.json`) }),
    });
    return agent;
  });
  const registered = Promise.all(agents.map((a) => a.start()));
  registered.catch(() => undefined);
  return {
    agents,
    registered,
    drain: async () => {
      await Promise.all(agents.map((a) => a.drain()));
    },
    stop: async () => {
      await Promise.all(agents.map((a) => a.stop()));
    },
  };
}
