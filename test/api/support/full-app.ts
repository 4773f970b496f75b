/** The API with every route area `ecspert serve` registers, for suites that check all routes at once. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../../src/api';
import { backOfficeRoutes } from '../../../src/api/routes/back-office';
import { networkRoutes } from '../../../src/api/routes/core/network';
import { policyRoutes } from '../../../src/api/routes/core/policies';
import { exchangeRoutes } from '../../../src/api/routes/exchange';
import type { Database } from '../../../src/db';
import { intermediary } from '../../back-office/acts/fixtures';
import { memoryLogger, testConfig } from './api-harness';

export async function buildFullApi(database: Database): Promise<FastifyInstance> {
  const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  return buildApi(
    {
      database,
      config: testConfig(),
      logger: memoryLogger('silent').logger,
      queue: createQueueProbe(null),
    },
    {
      routes: [
        exchangeRoutes({ secretsDir }),
        backOfficeRoutes({ intermediary }),
        networkRoutes,
        policyRoutes,
      ],
    },
  );
}
