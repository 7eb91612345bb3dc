import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, DEFAULT_SENSITIVE_KEYS, redact } from '../../src/index.js';
import { exampleRecord } from '../fixtures/example-record.js';
import { luhnInvalid, luhnValidNumber } from './luhn.js';

const R = '[REDACTED]';
const SEED = Number(process.env.OTELKIT_FC_SEED ?? 20251011);
const redactor = createRedactor();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/** The spellings a key turns up in: as listed, upper case, `-`/`_` swapped, camelCase, Title-Case-With-Dashes. */
function spellings(key: string): string[] {
  const words = key.split(/[-_]/);
  return [
    key,
    key.toUpperCase(),
    key.replace(/[-_]/g, (c) => (c === '-' ? '_' : '-')),
    words.map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join(''),
    words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('-'),
  ];
}

describe('sensitive keys', () => {
  it.each([...DEFAULT_SENSITIVE_KEYS])('default key %s in every spelling', (key) => {
    for (const spelling of spellings(key)) {
      expect(redactor.isSensitiveKey(spelling), spelling).toBe(true);
      expect(redact({ [spelling]: 'value-1', other: 'kept' })).toEqual({ [spelling]: R, other: 'kept' });
    }
  });

  it.each([
    'Authorization',
    'Proxy-Authorization',
    'proxy-authorization',
    'X-Api-Key',
    'x_api_key',
    'db_password',
    'DB_PASSWORD',
    'client_secret',
    'clientSecret',
    'sessionToken',
    'session_token',
    'set-cookie',
    'Set-Cookie',
    'refreshToken',
    'privateKey',
    'creditCardNumber',
    'stripe_secret_key',
    'AWS_SECRET_ACCESS_KEY',
    'x-auth-token',
    'userPassword',
    'user.password',
    'aws credentials',
  ])('compound key %s', (key) => {
    expect(redactor.isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'company',
    'span_id',
    'spanId',
    'trace_id',
    'author',
    'authority',
    'session_id',
    'sessionId',
    'user_id',
    'currency',
    'amount',
    'payment_method',
    'merchant_id',
    'panel',
    'expand',
    'lesson',
    'passenger',
    'compass',
    'description',
  ])('look-alike %s stays readable', (key) => {
    expect(redactor.isSensitiveKey(key)).toBe(false);
    expect(redact({ [key]: 'visible' })).toEqual({ [key]: 'visible' });
  });

  it('keeps session_id readable: `session` matches whole keys only, and the schema carries user.session_id', () => {
    expect(redact({ user: { id: 'user-12345', session_id: 'sess-abc123' }, session: 'sess-abc123' })).toEqual({
      user: { id: 'user-12345', session_id: 'sess-abc123' },
      session: R,
    });
  });

  it('withholds any value under a sensitive key whole, but keeps null and undefined', () => {
    expect(
      redact({ password: 42, token: { nested: 'x' }, secret: ['a'], cookie: true, pwd: null, ssn: undefined }),
    ).toEqual({ password: R, token: R, secret: R, cookie: R, pwd: null, ssn: undefined });
  });

  it('redacts sensitive keys at any depth and inside arrays', () => {
    expect(redact({ a: [{ b: { headers: { authorization: 'Basic x' } } }] })).toEqual({
      a: [{ b: { headers: { authorization: R } } }],
    });
  });
});

describe('secrets inside strings', () => {
  it.each([13, 14, 15, 16, 17, 18, 19])('a Luhn-valid %i-digit card number', (length) => {
    const card = luhnValidNumber(length);
    expect(redact(`card ${card} declined`)).toBe(`card ${R} declined`);
  });

  it.each([
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '5555 5555 5555 4444',
    '3782 822463 10005',
    '378282246310005',
    '6011000990139424',
  ])('a card number with separators: %s', (card) => {
    expect(redact(`paid with ${card}.`)).toBe(`paid with ${R}.`);
    expect(redact({ note: `card=${card}` })).toEqual({ note: `card=${R}` });
  });

  it('a card number next to other numbers', () => {
    expect(redact('2025-10-11 4111 1111 1111 1111 ok')).toBe(`2025-10-11 ${R} ok`);
    expect(redact('qty 2 4111111111111111')).toBe(`qty 2 ${R}`);
    expect(redact('ref 1 4222 2222 2222 2 ok')).toBe(`ref 1 ${R} ok`);
  });

  it('keeps numbers that are not card numbers', () => {
    const invalid = luhnInvalid(luhnValidNumber(16));
    for (const text of [
      `card ${invalid} declined`,
      `id ${luhnValidNumber(12)}`,
      `order ${'9'.repeat(25)}`,
      `trace 4bf92f3577b34da6a3ce929d0e0e4736`,
      'amount 149.99 USD',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it('a Bearer token, whatever the case of the scheme', () => {
    expect(redact('upstream rejected Bearer abc.def-ghi_jkl~mno+pq/rs==')).toBe(`upstream rejected Bearer ${R}`);
    expect(redact('bearer 0123456789abcdef, retrying')).toBe(`bearer ${R}, retrying`);
  });

  it('a JWT anywhere', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(redact(`token expired: ${jwt}`)).not.toContain('eyJzdWIiOiIxMjM0NTY3ODkwIn0');
    expect(redact(`jwt=${jwt}`)).toBe(`jwt=${R}`);
  });

  it.each([
    ['login failed: password=hunter2', `login failed: password=${R}`],
    ['token: abc', `token: ${R}`],
    ['password = hunter2 next', `password = ${R} next`],
    ['api_key="k 1" retry', `api_key="${R}" retry`],
    ["secret: 'hunter 2'", `secret: '${R}'`],
    ['{"password":"hunter2","user":"ann"}', `{"password":"${R}","user":"ann"}`],
    ['GET /cb?code=1&access_token=abc&state=x', `GET /cb?code=1&access_token=${R}&state=x`],
    ['Set-Cookie: session=abc123; Path=/', `Set-Cookie: ${R}; Path=/`],
    ['url: http://x/?token=abc123', `url: http://x/?token=${R}`],
    ['invalid token password=hunter2', `invalid token password=${R}`],
    ['DB_PASSWORD=s3cr3t node server.js', `DB_PASSWORD=${R} node server.js`],
  ])('key=value: %s', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('key=value inside JSON text, with escaped quotes, and inside JSON encoded twice', () => {
    const cases = [
      JSON.stringify({ session: 'a"Zq7one" b', k: 1 }),
      JSON.stringify(JSON.stringify({ password: 'x"Zq7two"y', a: 'b' })),
      JSON.stringify(JSON.stringify({ password: 'C:\\Zq7three', a: 'b' })),
      'x {\\"Set-Cookie\\":\\"Zq7four\\"} y',
      "password='it\\'s Zq7five' ok",
    ];
    for (const text of cases) {
      const out = redact(text);
      expect(out, text).not.toContain('Zq7');
      expect(out).toContain(R);
    }
    expect(redact(JSON.stringify({ session: 'a"b"', k: 'v' }))).toBe(`{"session":"${R}","k":"v"}`);
  });

  it('keeps pairs whose key is not sensitive', () => {
    for (const text of ['user=ann status=402', 'at 14:23:45 retry', 'merchant: merchant-789', 'a=b&c=d']) {
      expect(redact(text)).toBe(text);
    }
  });

  it('emails and IP addresses when pii is on (the default)', () => {
    expect(redact('no account for ann.lee+x@example.co.uk')).toBe(`no account for ${R}`);
    expect(redact('from 10.0.0.12 via 192.168.1.254:8080')).toBe(`from ${R} via ${R}:8080`);
    expect(redact('peer 2001:db8::1 and fe80::1ff:fe23:4567:890a')).toBe(`peer ${R} and ${R}`);
    expect(redact('full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 end')).toBe(`full ${R} end`);
  });

  it('keeps what only looks like an address', () => {
    for (const text of ['version 1.2.3', 'release 1.2.3.4.5', 'at 14:23:45', 'std::vector<int>', 'see @ann', 'x::y']) {
      expect(redact(text)).toBe(text);
    }
  });

  it('keeps emails and IPs with pii: false, and still redacts secrets', () => {
    const noPii = createRedactor({ pii: false });
    expect(noPii.redact('ann@example.com from 10.0.0.12 and 2001:db8::1')).toBe(
      'ann@example.com from 10.0.0.12 and 2001:db8::1',
    );
    expect(noPii.redact('ann@example.com password=hunter2 4111 1111 1111 1111')).toBe(
      `ann@example.com password=${R} ${R}`,
    );
  });

  it('leaves short and innocent strings alone (the same string comes back)', () => {
    const text = 'Failed to charge card: Insufficient funds';
    expect(redact(text)).toBe(text);
    expect(redact('abc')).toBe('abc');
  });
});

describe('options', () => {
  it('keys as an array add to the defaults, in strings too', () => {
    const r = createRedactor({ keys: ['merchant_ref'] });
    expect(r.redact({ merchant_ref: 'm1', 'Merchant-Ref': 'm2', password: 'p', note: 'merchant_ref=m3' })).toEqual({
      merchant_ref: R,
      'Merchant-Ref': R,
      password: R,
      note: `merchant_ref=${R}`,
    });
  });

  it('keys as a function replace the defaults', () => {
    const r = createRedactor({ keys: () => ['merchant_ref'] });
    expect(r.redact({ merchant_ref: 'm1', password: 'p', note: 'password=hunter2' })).toEqual({
      merchant_ref: R,
      password: 'p',
      note: 'password=hunter2',
    });
  });

  it('keys as a function receive the defaults, to extend them', () => {
    let received: readonly string[] = [];
    const r = createRedactor({
      keys: (defaults) => {
        received = defaults;
        return [...defaults, 'iban'];
      },
    });
    expect(received).toEqual(DEFAULT_SENSITIVE_KEYS);
    expect(r.redact({ iban: 'DE89', password: 'p', db_password: 'q', company: 'c' })).toEqual({
      iban: R,
      password: R,
      db_password: R,
      company: 'c',
    });
  });

  it('a RegExp key is tested against the raw key', () => {
    const r = createRedactor({ keys: [/^x-internal-/i, /Ref$/g] });
    expect(r.redact({ 'X-Internal-Trace': 'a', 'x-other': 'b', orderRef: 'c', orderref: 'd' })).toEqual({
      'X-Internal-Trace': R,
      'x-other': 'b',
      orderRef: R,
      orderref: 'd',
    });
    expect(r.isSensitiveKey('paymentRef')).toBe(true);
    expect(r.isSensitiveKey('paymentRef')).toBe(true);
  });

  it('censor', () => {
    expect(createRedactor({ censor: '***' }).redact({ password: 'p', note: 'token=abc' })).toEqual({
      password: '***',
      note: 'token=***',
    });
  });

  it('maxDepth', () => {
    expect(createRedactor({ maxDepth: 2 }).redact({ a: { b: { c: 1 } }, d: 1 })).toEqual({
      a: { b: '[Depth limit]' },
      d: 1,
    });
  });

  it('maxStringLength cuts before scanning, with a marker', () => {
    expect(createRedactor({ maxStringLength: 10 }).redact('abcdefghijklmnop')).toBe('abcdefghij…[truncated 6 chars]');
  });

  it('redactString and isSensitiveKey', () => {
    expect(redactor.redactString('password=hunter2')).toBe(`password=${R}`);
    expect(redactor.isSensitiveKey('X-API-KEY')).toBe(true);
    expect(redactor.isSensitiveKey('status')).toBe(false);
  });
});

describe('the input is never mutated', () => {
  const input = () => ({
    password: 'hunter2',
    headers: { authorization: 'Bearer abc', 'x-request-id': 'r1' },
    list: [{ token: 't' }, 'card 4111 1111 1111 1111', 3],
    map: new Map([['secret', 's']]),
    set: new Set(['ann@example.com']),
    when: new Date(0),
    error: new Error('password=hunter2'),
  });

  it('works on a deep-frozen input', () => {
    const frozen = deepFreeze(input());
    expect(() => redact(frozen)).not.toThrow();
    expect(() => redactor.stringify(frozen)).not.toThrow();
    expect(redact(frozen).password).toBe(R);
  });

  it('leaves the input equal to a structuredClone taken before', () => {
    const value = input();
    const before = structuredClone(value);
    redact(value);
    redactor.stringify(value);
    expect(value).toEqual(before);
    expect(value.map.get('secret')).toBe('s');
  });

  it('returns a copy even when nothing is redacted', () => {
    const value = { a: { b: [1, 2] } };
    const out = redact(value);
    expect(out).toEqual(value);
    expect(out).not.toBe(value);
    expect(out.a).not.toBe(value.a);
    expect(out.a.b).not.toBe(value.a.b);
  });
});

describe('awkward structures', () => {
  it('cycles become [Circular]; shared references are copied', () => {
    const o: Record<string, unknown> = { name: 'x' };
    o.self = o;
    o.list = [o];
    const shared = { a: 1 };
    expect(redact(o)).toEqual({ name: 'x', self: '[Circular]', list: ['[Circular]'] });
    expect(redact({ x: shared, y: shared })).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });

  it('stops at depth 16 by default', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 30; i++) deep = { child: deep };
    let out = redact(deep) as unknown;
    let levels = 0;
    while (typeof out === 'object' && out !== null) {
      out = (out as Record<string, unknown>).child;
      levels++;
    }
    expect(levels).toBe(16);
    expect(out).toBe('[Depth limit]');
  });

  it('Buffer and binary data become a size', () => {
    expect(
      redact({
        b: Buffer.from('password=hunter2'),
        u: new Uint8Array(3),
        a: new ArrayBuffer(8),
        d: new DataView(new ArrayBuffer(4)),
      }),
    ).toEqual({
      b: '[Buffer 16 bytes]',
      u: '[Uint8Array 3 bytes]',
      a: '[ArrayBuffer 8 bytes]',
      d: '[DataView 4 bytes]',
    });
  });

  it('a Map becomes an object, redacted by key and value', () => {
    const map = new Map<unknown, unknown>([
      ['password', 'p'],
      ['note', 'token=abc'],
      [1, 'one'],
    ]);
    expect(redact(map)).toEqual({ password: R, note: `token=${R}`, 1: 'one' });
  });

  it('a Set becomes an array', () => {
    expect(redact(new Set(['a', 'password=x']))).toEqual(['a', `password=${R}`]);
  });

  it('Dates become ISO strings; an invalid Date says so', () => {
    expect(redact({ at: new Date('2025-10-11T14:23:45.123Z'), never: new Date(Number.NaN) })).toEqual({
      at: '2025-10-11T14:23:45.123Z',
      never: 'Invalid Date',
    });
  });

  it('BigInt becomes a string', () => {
    expect(redact({ n: 12345678901234567890n })).toEqual({ n: '12345678901234567890' });
  });

  it('Symbol keys are left out; Symbol values become their description', () => {
    const out = redact({ [Symbol('password')]: 'hunter2', s: Symbol('tag') });
    expect(out).toEqual({ s: 'Symbol(tag)' });
    expect(Object.getOwnPropertySymbols(out)).toEqual([]);
  });

  it('a throwing getter becomes [Unreadable]; the other keys stay', () => {
    const o = { before: 1, after: 2 };
    Object.defineProperty(o, 'broken', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    expect(redact(o)).toEqual({ before: 1, broken: '[Unreadable]', after: 2 });
  });

  it('toJSON is honoured, and a throwing toJSON is contained', () => {
    expect(redact({ a: { toJSON: () => 'password=hunter2' } })).toEqual({ a: `password=${R}` });
    expect(
      redact({
        a: {
          toJSON() {
            throw new Error('toJSON');
          },
        },
      }),
    ).toEqual({ a: '[toJSON threw]' });
  });

  it('null-prototype objects', () => {
    const o = Object.assign(Object.create(null), { password: 'p', a: 1 });
    expect(redact(o)).toEqual({ password: R, a: 1 });
  });

  it('sparse arrays keep their length; holes serialize as null', () => {
    const a: unknown[] = [];
    a[0] = 'x';
    a[3] = 'password=y';
    const out = redact(a);
    expect(out).toHaveLength(4);
    expect(JSON.stringify(out)).toBe(`["x",null,null,"password=${R}"]`);
  });

  it('functions are left out of objects and become null in arrays, as in JSON', () => {
    expect(JSON.stringify(redact({ f: () => 1, a: [() => 1], k: 1 }))).toBe('{"a":[null],"k":1}');
  });

  it('errors become the schema error, redacted', () => {
    const out = redact({ err: new Error('login failed: password=hunter2') }) as unknown as {
      err: { type: string; message: string; stack_trace: string; fingerprint: string };
    };
    expect(out.err.type).toBe('Error');
    expect(out.err.message).toBe(`login failed: password=${R}`);
    expect(out.err.stack_trace).not.toContain('hunter2');
    expect(out.err.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('boxed strings are scanned', () => {
    const boxed = { a: new String('password=hunter2') };
    expect(redact(boxed)).toEqual({ a: `password=${R}` });
    expect(redactor.stringify(boxed)).toBe(`{"a":"password=${R}"}`);
  });

  it('an own __proto__ key stays a key and does not become the prototype', () => {
    const out = redact(JSON.parse('{"__proto__":{"password":"x"},"a":1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(out)).toBe(`{"__proto__":{"password":"${R}"},"a":1}`);
  });
});

describe('stringify', () => {
  it('equals JSON.stringify(redact(x)) on the example record', () => {
    expect(redactor.stringify(exampleRecord)).toBe(JSON.stringify(redact(exampleRecord)));
    expect(redactor.stringify(exampleRecord)).toBe(JSON.stringify(exampleRecord));
  });

  it('writes null where JSON.stringify would write nothing', () => {
    expect(redactor.stringify(undefined)).toBe('null');
    expect(redactor.stringify(() => 1)).toBe('null');
  });

  it('falls back to the copy when a getter changes its mind between the walk and the serialization', () => {
    let reads = 0;
    const o = {};
    Object.defineProperty(o, 'flaky', {
      enumerable: true,
      get() {
        reads++;
        if (reads > 1) throw new Error('second read');
        return 'fine';
      },
    });
    const json = redactor.stringify({ o });
    expect(JSON.parse(json)).toEqual({ o: { flaky: '[Unreadable]' } });
  });

  const secretish = fc.constantFrom(
    'password=hunter2',
    'card 4111 1111 1111 1111',
    'Bearer abc.def',
    'ann@example.com',
    '10.0.0.1',
    'plain text',
  );
  const keyish = fc.oneof(fc.string(), fc.constantFrom('password', 'token', 'user', 'session_id', '__proto__'));
  const { json } = fc.letrec((tie) => ({
    json: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(fc.string(), secretish, fc.double(), fc.integer(), fc.boolean(), fc.constant(null)),
      fc.array(tie('json')),
      fc.dictionary(keyish, tie('json')),
    ),
  }));

  it('equals JSON.stringify(redact(x)) for random JSON values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), json), (value) => {
        expect(redactor.stringify(value)).toBe(JSON.stringify(redactor.redact(value)));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('never throws and always writes JSON for random values of any kind', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withMap: true,
          withSet: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
          withObjectString: true,
        }),
        (value) => {
          expect(() => JSON.parse(redactor.stringify(value))).not.toThrow();
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});
