/** Messages a service process sends its parent (the demo) over the IPC channel. */
export type ChildMessage =
  | { type: 'ready'; service: string; version: string; port: number }
  | { type: 'fatal'; service: string; message: string; code?: string; port?: number }
  | { type: 'flushed'; service: string };

/** Messages the demo sends a service process. */
export type ParentMessage = { type: 'flush' };

/** Sends a message to the parent when there is one (a service started by hand has none). */
export function tellParent(message: ChildMessage): void {
  if (typeof process.send === 'function' && process.connected) {
    try {
      process.send(message);
    } catch {
      // The parent went away; nothing to tell.
    }
  }
}

/** Whether a value is a message of this protocol. */
export function isChildMessage(value: unknown): value is ChildMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { service?: unknown }).service === 'string'
  );
}
