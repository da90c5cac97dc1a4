import { linguaVitest } from '../../vitest.shared.ts';
// Unit tests only: the client is tested against a fake `ws` gateway, so no Redis is started.
export default linguaVitest();
