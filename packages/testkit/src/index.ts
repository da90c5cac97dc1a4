export { TestkitError, type TestkitErrorCode } from './errors.js';
export { freePort } from './free-port.js';
export { poll, type PollOptions } from './poll.js';
export {
  redisEnv,
  securityOptions,
  targetAddresses,
  type RedisSecurity,
  type RedisTarget,
  type Topology,
} from './redis-target.js';
export { startSecuredTarget, type SecuredTarget, type SecuredTargetOptions } from './secured-target.js';
export { testCertificates, opensslInstalled, type TestCertificates } from './tls-certs.js';
export { redisTargets, forEachTopology } from './targets.js';
export { connectRaw } from './connect.js';
export { createRedisClient, discoverNodes, nodeAdmin } from './redis-client.js';
export { uniquePrefix } from './unique-prefix.js';
export { startRedisServer, type RedisServerHandle, type RedisServerOptions } from './redis-server.js';
export {
  startRedisCluster,
  slotRanges,
  type RedisClusterHandle,
  type RedisClusterOptions,
  type ClusterNodeAddress,
} from './redis-cluster.js';
export { killPubSubClients, pauseClients } from './faults.js';
export {
  startFaultProxy,
  type FaultProxy,
  type FaultControls,
  type FaultProxyStats,
  type ConnectionFilter,
  type ProxyConnectionInfo,
  type ProxyAddress,
} from './fault-proxy.js';
export { startProxiedRedis, type ProxiedRedis, type ProxyNatMap } from './proxied-redis.js';
export { RespFramer, type RespDirection } from './resp-framer.js';
export { startGateway, gatewayEntry, type GatewayHandle, type GatewayOptions } from './gateway-process.js';
export {
  startHaproxy,
  renderHaproxyConfig,
  haproxyTemplatePath,
  type HaproxyHandle,
  type HaproxyOptions,
} from './haproxy-process.js';
export { kitRoot } from './tracked-process.js';
export {
  FakeWsServer,
  FakeWsConnection,
  type FrameCodec,
  type UpgradeRefusal,
  type UpgradeRequest,
} from './fake-ws-server.js';
export { runSourceCli, type SourceCliRun } from './source-cli.js';
export {
  kitAuthEnv,
  kitToken,
  withKitToken,
  kitAdminHeaders,
  roleForPath,
  type KitRole,
  type KitTokenOptions,
} from './kit-auth.js';
export {
  registerFrame,
  heartbeatFrame,
  utteranceFrame,
  SILENT_PCM_20MS,
  type Frame,
} from './peers/frames.js';
export { TestNode } from './peers/test-node.js';
export {
  ScriptedNode,
  answerAtOnce,
  type Behaviour,
  type NodeAction,
  type ScriptedNodeOptions,
} from './peers/scripted-node.js';
export { TestClient, resolutionIndex, type ResumeRequest } from './peers/test-client.js';
