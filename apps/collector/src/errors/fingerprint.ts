import { createHash } from 'node:crypto';

/** A stack frame reduced to what identifies code across deploys that only move line numbers. */
export interface FrameIdentity {
  module?: string;
  function?: string;
  inApp?: boolean;
}

/** Replaces the volatile parts of a message (ids, numbers, quoted values) so that one failure keeps one message. */
export function normalizeMessage(message: string): string {
  return message
    .slice(0, 1000)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
    .replace(/(["'`]).*?\1/g, '<str>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Derives a fingerprint when the sender gave none: error type + normalized message + the in-app frames'
 * module/function (line numbers excluded), hashed. Prefixed `derived-` so it never collides with a given one.
 */
export function deriveFingerprint(type: string, message: string, frames: FrameIdentity[] = []): string {
  const inApp = frames.filter((f) => f.inApp !== false && (f.function || f.module)).slice(-20);
  const material = [type, normalizeMessage(message), ...inApp.map((f) => `${f.module ?? ''}:${f.function ?? ''}`)];
  return `derived-${createHash('sha256').update(material.join('\n')).digest('hex').slice(0, 16)}`;
}

/** Reads identifying frames from a V8 stack trace string (`at fn (file:line:col)`). */
export function framesFromStack(stack: string | undefined): FrameIdentity[] {
  if (!stack) return [];
  const frames: FrameIdentity[] = [];
  for (const line of stack.split('\n').slice(0, 50)) {
    const m = /^\s*at\s+(?:(.+?)\s+\()?(.+?):\d+:\d+\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[2] ?? '';
    const inApp = !file.includes('node_modules') && !file.startsWith('node:');
    const module = file
      .replace(/^file:\/\//, '')
      .split('/')
      .slice(-2)
      .join('/');
    frames.unshift({ function: m[1] ?? '<anonymous>', module, inApp });
  }
  return frames;
}
