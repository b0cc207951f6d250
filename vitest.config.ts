import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['agent/src/**/*.test.ts', 'collector/src/**/*.test.ts', 'shared/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
});
