import { jest } from '@jest/globals';

// Cluster fault tests restart OpenSearch nodes (about a minute each on a busy 2-core machine).
jest.setTimeout(900_000);
