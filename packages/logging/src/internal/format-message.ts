/**
 * pino's printf-style formatting (`%s %d %i %f %j %o %O %%`, the semantics of quick-format-unescaped), with every
 * conversion guarded: a value whose `toString`, `valueOf` or `toJSON` throws becomes a placeholder instead of
 * failing the log call.
 */
export function formatMessage(format: string, params: readonly unknown[]): string {
  const n = format.length;
  let out = '';
  let last = -1;
  let a = 0;
  for (let i = 0; i < n; i++) {
    if (format.charCodeAt(i) !== 37 || i + 1 >= n) continue;
    last = last > -1 ? last : 0;
    const c = format.charCodeAt(i + 1);
    let piece: string | undefined;
    if (c === 37) {
      piece = '%';
      a--;
    } else if (a < params.length) {
      const v = params[a];
      switch (c) {
        case 100: // d
        case 102: // f
          if (v !== null && v !== undefined) piece = String(toNumber(v));
          break;
        case 105: // i
          if (v !== null && v !== undefined) piece = String(Math.floor(toNumber(v)));
          break;
        case 79: // O
        case 111: // o
        case 106: // j
          if (v !== undefined) {
            if (typeof v === 'string') piece = `'${v}'`;
            else if (typeof v === 'function') piece = safeName(v);
            else piece = toJson(v);
          }
          break;
        case 115: // s
          piece = toText(v);
          break;
      }
    }
    if (piece !== undefined) {
      if (last < i) out += format.slice(last, i);
      out += piece;
      last = i + 2;
      i++;
    }
    a++;
  }
  if (last === -1) return format;
  if (last < n) out += format.slice(last);
  return out;
}

function toNumber(value: unknown): number {
  try {
    return Number(value);
  } catch {
    return Number.NaN;
  }
}

function toText(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[unprintable]';
    }
  }
}

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '"[unserializable]"';
  }
}

function safeName(fn: unknown): string {
  try {
    const name = (fn as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : '<anonymous>';
  } catch {
    return '<anonymous>';
  }
}
