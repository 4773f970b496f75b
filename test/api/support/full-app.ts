/** The API with every route area `ecspert serve` registers, for suites that check all routes at once. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../../src/api';
import { productRoutes } from '../../../src/api/routes';
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
      routes: productRoutes({ secretsDir, intermediary }),
    },
  );
}
