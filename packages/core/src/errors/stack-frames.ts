import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One frame of a V8 stack trace, reduced to what identifies a throw site across deploys. */
export interface StackFrame {
  fn: string;
  file: string;
  line: number;
  inApp: boolean;
}

const FRAME_WITH_FN = /^\s*at (?:async )?(.*?) \((.*):(\d+):(\d+)\)$/;
// Longer lines are not frames V8 wrote (they come from the message) and would make the patterns above quadratic.
const MAX_FRAME_LINE = 2048;
const FRAME_BARE = /^\s*at (?:async )?(.*):(\d+):(\d+)$/;

/** Parses the `at …` lines of a V8 stack. Lines it does not understand are skipped. */
export function parseStack(stack: string, limit = 50): StackFrame[] {
  const frames: StackFrame[] = [];
  const lines = stack.split('\n', 200);
  for (const line of lines) {
    if (frames.length >= limit) break;
    if (line.length > MAX_FRAME_LINE) continue;
    let m = FRAME_WITH_FN.exec(line);
    let fn: string;
    let file: string;
    let lineNo: string;
    if (m) {
      fn = m[1] ?? '';
      file = m[2] ?? '';
      lineNo = m[3] ?? '0';
    } else {
      m = FRAME_BARE.exec(line);
      if (!m) continue;
      fn = '<anonymous>';
      file = m[1] ?? '';
      lineNo = m[2] ?? '0';
    }
    frames.push({ fn, file, line: Number(lineNo), inApp: isInApp(file) });
  }
  return frames;
}

function isInApp(file: string): boolean {
  return !(
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    file.includes('/node_modules/') ||
    file.includes('\\node_modules\\') ||
    file === 'native' ||
    file === '<anonymous>'
  );
}

/** The module of a frame without machine-specific prefixes: the last two path segments. */
export function moduleOf(file: string): string {
  let path = file;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      /* keep as is */
    }
  }
  const q = path.search(/[?#]/);
  if (q !== -1) path = path.slice(0, q);
  const parts = path.split(/[\\/]/);
  return parts.slice(-2).join('/');
}

const MAX_CACHED_FILES = 64;
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const sourceCache = new Map<string, string[] | null>();

/**
 * The trimmed source line of a frame, read from disk once per file (bounded cache). It identifies the throw site
 * without the line number, which moves whenever code above it changes.
 */
export function contextLine(frame: StackFrame): string | undefined {
  let path = frame.file;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      return undefined;
    }
  }
  let lines = sourceCache.get(path);
  if (lines === undefined) {
    lines = null;
    try {
      // Regular files only: a frame line can come from the message, and `/dev/zero` or a FIFO would never end.
      const stat = statSync(path);
      if (stat.isFile() && stat.size <= MAX_FILE_BYTES) lines = readFileSync(path, 'utf8').split('\n');
    } catch {
      lines = null;
    }
    if (sourceCache.size >= MAX_CACHED_FILES) {
      const oldest = sourceCache.keys().next().value;
      if (oldest !== undefined) sourceCache.delete(oldest);
    }
    sourceCache.set(path, lines);
  }
  const text = lines?.[frame.line - 1];
  return text === undefined ? undefined : text.trim().slice(0, 200);
}
