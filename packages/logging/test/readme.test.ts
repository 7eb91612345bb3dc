import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schemaErrors } from './support/capture.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('README', () => {
  it('shows examples/readme.mjs verbatim', () => {
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const block = /<!-- readme-example: examples\/readme\.mjs -->\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(`${root}/examples/readme.mjs`, 'utf8'));
  });

  it('runs the example: two schema lines, ids stamped, the card number redacted, DEBUG filtered', () => {
    const stdout = execFileSync(process.execPath, ['examples/readme.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        OTEL_SERVICE_NAME: 'payment-api',
        OTELKIT_LOG_LEVEL: 'info',
        OTELKIT_LOGS_EXPORTER: 'none',
      },
    });
    const records = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.message])).toEqual([
      ['INFO', 'charging card'],
      ['ERROR', 'Failed to charge card'],
    ]);
    for (const r of records) {
      expect(schemaErrors(r)).toEqual([]);
      expect(r).toMatchObject({
        service: 'payment-api',
        correlation_id: 'req-7f3b2a1c-4d5e',
        user: { id: 'user-12345' },
      });
    }
    expect(records[0]?.context).toMatchObject({ logger: 'payment', card_number: '[REDACTED]' });
    expect(stdout).not.toContain('4111');
  });
});
