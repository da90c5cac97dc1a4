/** The gateway as a library: what tests, the demo and the benches use besides the `lingua-gateway` bin. */
export * from './auth/index.js';
