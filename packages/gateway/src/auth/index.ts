/** Authentication at the WebSocket upgrade: configuration, verification, principals and token minting. */
export {
  loadAuthConfig,
  DEFAULT_CLOCK_SKEW_MS,
  VerificationKey,
  type AuthConfig,
  type KeySource,
} from './auth-config.js';
export {
  createAuthVerifier,
  type AuthVerifier,
  type AuthResult,
  type AuthFailureReason,
} from './verifier.js';
export { anonymousPrincipal, type Principal, type NodeBinding } from './principal.js';
export { mintToken, MintTokenError, DEFAULT_TOKEN_TTL_MS, type MintTokenOptions } from './mint-token.js';
export { ROLES, isRole, type Role } from './roles.js';
