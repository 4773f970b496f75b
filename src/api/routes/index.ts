/**
 * Every route area the product serves beyond the app's own (health, sign-in, users, insurers): what
 * `ecspert serve` registers, and what the suites that walk every route (the role matrix, the hostile
 * inputs, the OpenAPI lint) build, so a new area is never served without being checked.
 */
import type { FastifyPluginAsync } from 'fastify';
import { backOfficeRoutes, type BackOfficeRouteOptions } from './back-office';
import { backOfficeScreenRoutes } from './back-office/screens';
import { actsIntermediaryRoutes } from './back-office/intermediary';
import { calculationRoutes } from './back-office/calculations';
import { careerLevelRoutes } from './core/career-levels';
import { networkRoutes } from './core/network';
import { correspondenceRoutes } from './correspondence';
import { policyRoutes } from './core/policies';
import { exchangeRoutes, type ExchangeRouteOptions } from './exchange';
import { exchangeDeskRoutes } from './exchange/desk';
import { jobRoutes } from './jobs';
import { portalRoutes } from './portal';
import { reportRoutes } from './reports';

export type ProductRouteOptions = ExchangeRouteOptions & BackOfficeRouteOptions;

export function productRoutes(options: ProductRouteOptions): FastifyPluginAsync[] {
  return [
    exchangeRoutes({ secretsDir: options.secretsDir, jobs: options.jobs }),
    exchangeDeskRoutes({ jobs: options.jobs }),
    backOfficeRoutes({ intermediary: options.intermediary }),
    backOfficeScreenRoutes,
    calculationRoutes({ jobs: options.jobs, intermediary: options.intermediary }),
    jobRoutes,
    networkRoutes,
    policyRoutes,
    portalRoutes,
    careerLevelRoutes,
    correspondenceRoutes({ secretsDir: options.secretsDir }),
    reportRoutes,
    actsIntermediaryRoutes({ intermediary: options.intermediary }),
  ];
}
