import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs Node and the pinned renderers (built by its global setup when missing); `e2e` runs against a real local control plane
// that test/harness/global-setup.ts starts (or reuses) once per run.
export default defineConfig({
  test: {
    reporters: ['default', './test/harness/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'ui/src/**/*.test.ts'],
          environment: 'node',
          // The renderer tests run the real pinned helm, kustomize and jsonnet: built here when missing.
          globalSetup: ['test/harness/tools-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'ui',
          include: ['test/ui/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts', 'test/ui/ui-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One Chromium at a time on a 2-core machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
