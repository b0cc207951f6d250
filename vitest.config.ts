import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['agent/src/**/*.test.ts', 'collector/src/**/*.test.ts', 'shared/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    // CI also writes a JSON summary that .ci/run turns into its closing "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/out/vitest.json' },
  },
});
