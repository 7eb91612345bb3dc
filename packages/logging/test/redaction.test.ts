import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.js';
import { capture, schemaErrors, withEnv } from './support/capture.js';

const SECRETS = {
  password: 'hunter2-planted',
  token: 'tok_live_planted_123',
  card: '4111 1111 1111 1111',
  bearer: 'Bearer abc.planted.def',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlcGxhbnRlZA',
  email: 'ann.planted@example.com',
  ip: '203.0.113.77',
  merchantRef: 'merchant-secret-ref-planted',
};

let restore: (() => void) | undefined;
afterEach(() => restore?.());

function assertClean(lines: string[], secrets: string[]): void {
  for (const line of lines) {
    for (const secret of secrets) expect(line, `secret ${secret} leaked`).not.toContain(secret);
  }
}

describe('redaction of every record before any destination', () => {
  it('withholds sensitive keys and scrubs secrets inside strings, wherever they are planted', () => {
    restore = withEnv({ OTELKIT_REDACT_KEYS: undefined, OTELKIT_REDACT_PII: undefined });
    const out = capture();
    const logger = createLogger({ destination: out });
    const child = logger.child({ api_key: SECRETS.token, note: `card ${SECRETS.card}` });
    child.info(
      {
        password: SECRETS.password,
        headers: { authorization: SECRETS.bearer, cookie: `session=${SECRETS.token}` },
        nested: [{ deeper: { client_secret: SECRETS.token } }],
        comment: `paid with ${SECRETS.card}, contact ${SECRETS.email} from ${SECRETS.ip}`,
        jwt_in_text: `token is ${SECRETS.jwt}`,
        user: { id: SECRETS.email },
      },
      'charge for %s with %s and password=%s',
      SECRETS.email,
      SECRETS.card,
      SECRETS.password,
    );
    child.error(new Error(`upstream said password=${SECRETS.password} for ${SECRETS.email}`));
    child.warn({
      err: { type: 'X', message: `Bearer ${SECRETS.token}`, fingerprint: 'f', severity: 'low', category: 'logic' },
    });
    child.info(`${SECRETS.bearer} ${SECRETS.jwt}`);
    assertClean(
      out.lines,
      Object.values(SECRETS).filter((s) => s !== SECRETS.merchantRef),
    );
    for (const record of out.records()) expect(schemaErrors(record)).toEqual([]);
    const first = out.records()[0] as { context: Record<string, unknown>; user: { id: string } };
    expect(first.context.password).toBe('[REDACTED]');
    expect(first.context.api_key).toBe('[REDACTED]');
    expect(first.user.id).toBe('[REDACTED]');
    expect(out.lines.join('')).toContain('[REDACTED]');
  });

  it('takes extra keys from options and OTELKIT_REDACT_KEYS, and a custom censor', () => {
    restore = withEnv({ OTELKIT_REDACT_KEYS: 'merchant_secret_ref' });
    const out = capture();
    const logger = createLogger({ destination: out, redact: { keys: [/^internal_/], censor: '***' } });
    logger.info(
      { merchant_secret_ref: SECRETS.merchantRef, internal_note: 'x-planted', password: SECRETS.password },
      'm',
    );
    expect(out.last().context).toEqual({ merchant_secret_ref: '***', internal_note: '***', password: '***' });
  });

  it('leaves emails and addresses readable when the PII switch is off (OTELKIT_REDACT_PII=false or the option)', () => {
    restore = withEnv({ OTELKIT_REDACT_PII: 'false' });
    const out = capture();
    createLogger({ destination: out }).info(`contact ${SECRETS.email}`);
    createLogger({ destination: out, redact: { pii: true } }).info(`contact ${SECRETS.email}`);
    const [off, on] = out.records();
    expect(off?.message).toBe(`contact ${SECRETS.email}`);
    expect(on?.message).toBe('contact [REDACTED]');
  });

  it('never mutates the caller objects', () => {
    const out = capture();
    const payload = { password: SECRETS.password, nested: { token: SECRETS.token } };
    createLogger({ destination: out }).info(payload, 'x');
    expect(payload).toEqual({ password: SECRETS.password, nested: { token: SECRETS.token } });
  });
});
