import { linguaVitest } from '../../vitest.shared.ts';
export default linguaVitest({ redis: true });
