import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'logging', include: ['test/**/*.test.ts'], testTimeout: 30_000 } });
