import { createHash } from 'node:crypto';
import { normalizeMessage } from '@otelkit/core';

/** A stack frame reduced to what identifies code across deploys that only move line numbers. */
export interface FrameIdentity {
  module?: string;
  function?: string;
  inApp?: boolean;
}

/**
 * Derives a fingerprint when the sender gave none: error type + the message normalized by core's `normalizeMessage`
 * (the rules core's `fingerprint` uses) + the in-app frames' module/function (line numbers excluded), hashed.
 * Prefixed `derived-` so it never collides with a given one.
 */
export function deriveFingerprint(type: string, message: string, frames: FrameIdentity[] = []): string {
  const inApp = frames.filter((f) => f.inApp !== false && (f.function || f.module)).slice(-20);
  const material = [type, normalizeMessage(message), ...inApp.map((f) => `${f.module ?? ''}:${f.function ?? ''}`)];
  return `derived-${createHash('sha256').update(material.join('\n')).digest('hex').slice(0, 16)}`;
}
