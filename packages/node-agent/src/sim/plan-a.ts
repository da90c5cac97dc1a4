/**
 * Counting Opus "Plan A" packets (`[uint16 LE length][packet]` repeated). The simulator never decodes Opus; it
 * only needs the packet count to derive its deterministic text and audio length.
 */
export function countPlanAPackets(bytes: Uint8Array): number | undefined {
  let at = 0;
  let packets = 0;
  while (at < bytes.byteLength) {
    if (at + 2 > bytes.byteLength) return undefined;
    const length = (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
    at += 2 + length;
    if (at > bytes.byteLength) return undefined;
    packets++;
  }
  return packets;
}
