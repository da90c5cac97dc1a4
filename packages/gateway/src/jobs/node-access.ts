/**
 * Which private nodes may serve a session. Public nodes (`accept_public_jobs:true`) serve anyone; a private node
 * serves a session of its own tenant (both credentials carry the same `tenant` claim) or one that presented its
 * pairing code. select-reserve applies the rule; the session keeps these two values in its hash (`tenant`,
 * `pair_hash`) so a resume on any instance dispatches the same way.
 */
export interface NodeAccess {
  /** The tenant of the session's credential (authentication on). */
  tenant?: string;
  /** Hash of the pairing code the session presented (`pairingCodeHash`). */
  pairingHash?: string;
}
