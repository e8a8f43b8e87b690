// `npm run test:cluster`: fault tests on a 3-node OpenSearch cluster (stack.sh up --nodes 3).
// They restart nodes for minutes, so they are not part of `npm test`; see README.md.
import base from './jest.config.js';

const integration = base.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
export default {
  testTimeout: 900_000,
  projects: [
    {
      ...integration,
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/cluster/setup-timeout.ts'],
    },
  ],
};
