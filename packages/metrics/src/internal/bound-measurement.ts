import type { Attributes } from '@opentelemetry/api';

/**
 * The measurement path of one synchronous instrument for one attribute set, resolved once.
 *
 * The OpenTelemetry SDK (2.x) finds the aggregation cell of a measurement by hashing its attribute set on every call
 * (sorted keys, `JSON.stringify`) and looking the hash up in the active collection map of each storage. For an
 * attribute set seen before, the cell is the same object until the next collection swaps that map. A bound
 * measurement remembers, per storage, the map it found the cell in and the cell itself; while the map is still the
 * active one it records straight into the cell (`accumulation.record(value)`, what the SDK itself calls last). After
 * a collection, or for anything unusual (a value the instrument would warn about, an overflowing storage), it takes
 * the SDK's own path, which also re-resolves the cell. What is exported is therefore exactly what the SDK records.
 *
 * This reads fields of the SDK that are not public API. `bindMeasurement` checks their shape when it binds and falls
 * back to the instrument's public method for any other SDK (or a non-SDK meter), so a changed SDK costs speed, not
 * data.
 */
export interface BoundMeasurement {
  /** Records `value` with the bound attribute set. */
  record(value: number): void;
}

/** The value rule of the instrument kind, as the SDK applies it before recording. */
export type ValueRule = 'non-negative' | 'any';

interface SdkAccumulation {
  record(value: number): void;
}
interface SdkAttributeMap {
  get(attributes: Attributes): SdkAccumulation | undefined;
}
interface SdkDeltaProcessor {
  _activeCollectionStorage: SdkAttributeMap;
  record(value: number, attributes: Attributes, collectionTime: number): void;
}
interface SdkSyncStorage {
  _deltaMetricStorage?: SdkDeltaProcessor;
  _attributesProcessor?: { constructor?: { name?: string }; _processors?: unknown[] };
}
interface SdkSyncInstrument {
  _writableMetricStorage?: SdkSyncStorage & { _backingStorages?: SdkSyncStorage[] };
  _descriptor?: { valueType?: number };
}

// @opentelemetry/api ValueType.DOUBLE: INT instruments truncate values first, so they keep the SDK path.
const VALUE_TYPE_DOUBLE = 1;

function isProcessorInert(storage: SdkSyncStorage): boolean {
  const processor = storage._attributesProcessor;
  if (processor === undefined) return true;
  const name = processor.constructor?.name;
  // The views startMetrics() registers carry the SDK's no-op processor; an empty multi-processor changes nothing
  // either. Any other processor may rewrite attributes (or read the context), so it keeps the SDK path.
  return (
    name === 'NoopAttributesProcessor' ||
    (name === 'MultiAttributesProcessor' && Array.isArray(processor._processors) && processor._processors.length === 0)
  );
}

/** The delta processors of an SDK sync instrument, or undefined when it does not have the shape this relies on. */
function deltaProcessorsOf(instrument: unknown): SdkDeltaProcessor[] | undefined {
  const sdk = instrument as SdkSyncInstrument;
  if (sdk._descriptor?.valueType !== VALUE_TYPE_DOUBLE) return undefined;
  const writable = sdk._writableMetricStorage;
  if (writable === undefined || writable === null) return undefined;
  const storages = Array.isArray(writable._backingStorages) ? writable._backingStorages : [writable];
  const out: SdkDeltaProcessor[] = [];
  for (const storage of storages) {
    const delta = storage._deltaMetricStorage;
    if (
      delta === undefined ||
      typeof delta.record !== 'function' ||
      typeof delta._activeCollectionStorage?.get !== 'function' ||
      !isProcessorInert(storage)
    ) {
      return undefined;
    }
    out.push(delta);
  }
  return out;
}

/** One storage: the active map the cell was found in, and the cell. */
class CellSlot {
  map: SdkAttributeMap | undefined = undefined;
  cell: SdkAccumulation | undefined = undefined;
  readonly delta: SdkDeltaProcessor;
  constructor(delta: SdkDeltaProcessor) {
    this.delta = delta;
  }
}

/** The usual case: one storage (one view). */
class SingleStorageMeasurement implements BoundMeasurement {
  readonly #slot: CellSlot;
  readonly #attributes: Attributes;
  readonly #nonNegative: boolean;
  readonly #slow: (value: number) => void;

  constructor(slot: CellSlot, attributes: Attributes, rule: ValueRule, slow: (value: number) => void) {
    this.#slot = slot;
    this.#attributes = attributes;
    this.#nonNegative = rule === 'non-negative';
    this.#slow = slow;
  }

  record(value: number): void {
    // NaN, negative values where the SDK refuses them, and non-numbers take the SDK's path (it warns or drops).
    if (typeof value !== 'number' || !(this.#nonNegative ? value >= 0 : !Number.isNaN(value))) {
      this.#slow(value);
      return;
    }
    const slot = this.#slot;
    const delta = slot.delta;
    const map = delta._activeCollectionStorage;
    if (map === slot.map) {
      (slot.cell as SdkAccumulation).record(value);
      return;
    }
    // First record since a collection swapped the map: the SDK creates the cell (or the overflow cell past its
    // limit), with the same start time as on its public path.
    delta.record(value, this.#attributes, Date.now());
    const cell = map.get(this.#attributes);
    slot.map = cell === undefined ? undefined : map;
    slot.cell = cell;
  }
}

/** Several storages (several views matched the instrument). */
class MultiStorageMeasurement implements BoundMeasurement {
  readonly #slots: CellSlot[];
  readonly #attributes: Attributes;
  readonly #nonNegative: boolean;
  readonly #slow: (value: number) => void;

  constructor(slots: CellSlot[], attributes: Attributes, rule: ValueRule, slow: (value: number) => void) {
    this.#slots = slots;
    this.#attributes = attributes;
    this.#nonNegative = rule === 'non-negative';
    this.#slow = slow;
  }

  record(value: number): void {
    if (typeof value !== 'number' || !(this.#nonNegative ? value >= 0 : !Number.isNaN(value))) {
      this.#slow(value);
      return;
    }
    let now: number | undefined;
    for (const slot of this.#slots) {
      const delta = slot.delta;
      const map = delta._activeCollectionStorage;
      if (map === slot.map) {
        (slot.cell as SdkAccumulation).record(value);
      } else {
        now ??= Date.now();
        delta.record(value, this.#attributes, now);
        const cell = map.get(this.#attributes);
        slot.map = cell === undefined ? undefined : map;
        slot.cell = cell;
      }
    }
  }
}

class PublicPathMeasurement implements BoundMeasurement {
  readonly #slow: (value: number) => void;
  constructor(slow: (value: number) => void) {
    this.#slow = slow;
  }
  record(value: number): void {
    this.#slow(value);
  }
}

/**
 * Binds `attributes` (which must not change afterwards: pass a frozen object) to an SDK synchronous instrument.
 * `slow` records through the instrument's public method with the same attributes; it is used for values the fast path
 * leaves to the SDK and for instruments that are not the SDK's.
 */
export function bindMeasurement(
  instrument: unknown,
  attributes: Attributes,
  rule: ValueRule,
  slow: (value: number) => void,
): BoundMeasurement {
  const deltas = deltaProcessorsOf(instrument);
  if (deltas === undefined || deltas.length === 0) return new PublicPathMeasurement(slow);
  const slots = deltas.map((d) => new CellSlot(d));
  return slots.length === 1
    ? new SingleStorageMeasurement(slots[0] as CellSlot, attributes, rule, slow)
    : new MultiStorageMeasurement(slots, attributes, rule, slow);
}
