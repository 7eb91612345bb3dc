import { BoundedQueue } from './bounded-queue.js';
import { KeyQueue } from './key-queue.js';
import type { ErrorEvent, ErrorGroup, ErrorSource } from './types.js';

const MAX_SET = 1000;
const MAX_USERS = 10_000;
const MAX_DEDUPE_KEYS = 50_000;

interface GroupState {
  fingerprint: string;
  type: string;
  message: string;
  count: number;
  firstMs: number;
  lastMs: number;
  services: Set<string>;
  versions: Set<string>;
  users: Set<string>;
  usersOverflow: boolean;
  severity: string | null;
  category: string | null;
  retryable: boolean | null;
  firstSeenVersion: string | null;
  firstSeenService: string;
  sources: Record<ErrorSource, number>;
  sample: ErrorEvent;
}

/** What happened to an error occurrence offered to the store. */
export interface ErrorAddResult {
  /** False when the same failure was already counted through another signal (same fingerprint, trace and span). */
  counted: boolean;
  evictedEvents: number;
  evictedGroups: number;
}

/**
 * Error occurrences (bounded FIFO) and their groups by fingerprint (bounded, least recently seen evicted).
 * One failure often arrives three times — as a Sentry event, a span exception event and an ERROR log — with the
 * same fingerprint, trace id and span id; it is counted once, and the richest occurrence becomes the sample.
 */
export class ErrorStore {
  readonly events: BoundedQueue<ErrorEvent>;
  readonly #groups = new Map<string, GroupState>();
  readonly #seen = new Set<string>();
  readonly #seenOrder = new KeyQueue<string>();

  constructor(
    maxEvents: number,
    readonly maxGroups: number,
  ) {
    this.events = new BoundedQueue(maxEvents);
  }

  add(event: ErrorEvent): ErrorAddResult {
    const result: ErrorAddResult = { counted: true, evictedEvents: 0, evictedGroups: 0 };
    const timeMs = Date.parse(event.timestamp);
    if (event.traceId) {
      const key = `${event.fingerprint}|${event.traceId}|${event.spanId ?? ''}`;
      if (this.#seen.has(key)) result.counted = false;
      else {
        this.#seen.add(key);
        this.#seenOrder.push(key);
        if (this.#seen.size > MAX_DEDUPE_KEYS) this.#seen.delete(this.#seenOrder.shift() as string);
      }
    }
    let group = this.#groups.get(event.fingerprint);
    if (group) {
      this.#groups.delete(event.fingerprint);
    } else {
      group = {
        fingerprint: event.fingerprint,
        type: event.type,
        message: event.message,
        count: 0,
        firstMs: timeMs,
        lastMs: timeMs,
        services: new Set(),
        versions: new Set(),
        users: new Set(),
        usersOverflow: false,
        severity: null,
        category: null,
        retryable: null,
        firstSeenVersion: event.version ?? null,
        firstSeenService: event.service,
        sources: { sentry: 0, span: 0, log: 0 },
        sample: event,
      };
    }
    this.#groups.set(event.fingerprint, group);
    group.sources[event.source]++;
    if (result.counted) group.count++;
    if (timeMs < group.firstMs) {
      group.firstMs = timeMs;
      group.firstSeenVersion = event.version ?? null;
      group.firstSeenService = event.service;
    }
    if (timeMs > group.lastMs) group.lastMs = timeMs;
    if (group.services.size < MAX_SET) group.services.add(event.service);
    if (event.version && group.versions.size < MAX_SET) group.versions.add(event.version);
    if (event.userId) {
      if (group.users.size < MAX_USERS) group.users.add(event.userId);
      else group.usersOverflow = true;
    }
    group.severity ??= event.severity ?? null;
    group.category ??= event.category ?? null;
    group.retryable ??= event.retryable ?? null;
    if (!group.type && event.type) group.type = event.type;
    if (richness(event) > richness(group.sample) || (richness(event) === richness(group.sample) && result.counted)) {
      group.sample = event;
      if (event.message) group.message = event.message;
    }
    if (result.counted || event.source === 'sentry') {
      if (this.events.push(event) !== undefined) result.evictedEvents++;
    }
    while (this.#groups.size > this.maxGroups) {
      this.#groups.delete(this.#groups.keys().next().value as string);
      result.evictedGroups++;
    }
    return result;
  }

  get groupCount(): number {
    return this.#groups.size;
  }

  groups(): ErrorGroup[] {
    return [...this.#groups.values()].map(toGroup);
  }

  group(fingerprint: string): (ErrorGroup & { sampleEvent: ErrorEvent; userIds: string[] }) | undefined {
    const g = this.#groups.get(fingerprint);
    if (!g) return undefined;
    return { ...toGroup(g), sampleEvent: g.sample, userIds: [...g.users].slice(0, 100) };
  }

  /** Users (by id) across all groups, for impact. */
  distinctUsers(): number {
    const all = new Set<string>();
    for (const g of this.#groups.values()) for (const u of g.users) all.add(u);
    return all.size;
  }
}

/** A Sentry event carries breadcrumbs, tags and a stack; a span event a stack; a log line maybe only a message. */
function richness(e: ErrorEvent): number {
  return (
    (e.traceId ? 4 : 0) + (e.source === 'sentry' ? 2 : 0) + (e.stackTrace ? 1 : 0) + (e.breadcrumbs.length > 0 ? 1 : 0)
  );
}

function toGroup(g: GroupState): ErrorGroup {
  return {
    fingerprint: g.fingerprint,
    type: g.type,
    message: g.message,
    count: g.count,
    firstSeen: new Date(g.firstMs).toISOString(),
    lastSeen: new Date(g.lastMs).toISOString(),
    services: [...g.services],
    versions: [...g.versions],
    users: g.users.size,
    sampleTraceId: g.sample.traceId ?? null,
    sampleEventId: g.sample.eventId,
    severity: g.severity,
    category: g.category,
    retryable: g.retryable,
    firstSeenVersion: g.firstSeenVersion,
    firstSeenService: g.firstSeenService,
    sources: { ...g.sources },
  };
}
