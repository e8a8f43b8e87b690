import { jest } from '@jest/globals';

// Integration tests start processes and wait on real services.
jest.setTimeout(240_000);
