// Service colours: a fixed palette readable on light and dark backgrounds (red is left out: it means "error").
// A service gets the slot its name hashes to, or the next free one, so colours are stable across pages of one
// session and distinct for up to ten services.
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#9c755f',
  '#ff9da7',
  '#d37295',
  '#a0cbe8',
];

const assigned = new Map<string, string>();

export function serviceColor(service: string): string {
  const known = assigned.get(service);
  if (known) return known;
  let hash = 2166136261;
  for (let i = 0; i < service.length; i++) {
    hash ^= service.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  const used = new Set(assigned.values());
  let slot = (hash >>> 0) % PALETTE.length;
  for (let i = 0; i < PALETTE.length && used.has(PALETTE[slot]!); i++) slot = (slot + 1) % PALETTE.length;
  const color = PALETTE[slot]!;
  assigned.set(service, color);
  return color;
}
