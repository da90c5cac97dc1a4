import { linguaVitest } from '../vitest.shared.ts';
export default linguaVitest({ redis: true, system: true, testTimeoutMs: 120_000 });
