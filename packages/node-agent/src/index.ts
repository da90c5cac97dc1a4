/** @lingua/node-agent — the SDK a GPU node uses to serve Lingua jobs, and the simulator built on it. */
export {
  NodeAgent,
  nodeEndpoint,
  type NodeAgentOptions,
  type NodeAgentEvents,
  type NodeProfile,
  type RegisteredEvent,
  type ConnectionState,
  type Lifecycle,
} from './node-agent.js';
export {
  JobFailure,
  PROCESSING_ERROR,
  type JobContext,
  type JobHandler,
  type JobOutcome,
} from './job-types.js';
export {
  fileIdentityStore,
  memoryIdentityStore,
  type IdentityStore,
  type NodeIdentity,
} from './identity-store.js';
export { backoffDelay, createBackoff, type Backoff, type BackoffOptions } from './backoff.js';
export { systemUsage, type UsageProbe } from './resource-usage.js';
export { NodeAgentError, type NodeAgentErrorCode } from './errors.js';
export { startSimFleet, type SimFleet, type SimFleetOptions } from './sim/fleet.js';
export {
  createFakeInference,
  fakeTexts,
  measureAudio,
  type FakeInferenceOptions,
  type AudioMeasure,
} from './sim/fake-inference.js';
export { simProfile, type SimProfileOptions } from './sim/profile.js';
export { parseLatency, type Latency } from './sim/latency.js';
