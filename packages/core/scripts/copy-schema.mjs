import { copyFileSync } from 'node:fs';

// The JSON Schema is published as a file of its own (`@otelkit/core/log-record.schema.json`).
copyFileSync(
  new URL('../src/schema/log-record.schema.json', import.meta.url),
  new URL('../dist/log-record.schema.json', import.meta.url),
);
