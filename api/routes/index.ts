import type { RouteModule } from '../routing.ts';
import { adminRoutes } from './admin.ts';
import { auditRoutes } from './audit.ts';
import { authRoutes } from './auth.ts';
import { dataRoutes } from './data/index.ts';
import { healthRoutes } from './health.ts';
import { tokenRoutes } from './tokens.ts';

/**
 * Every route module of the app. A new module (e.g. api/routes/data/) exports a list of defineRoute(...)
 * definitions and is added here; createApp registers them all with their declared privileges.
 */
export const routeModules: RouteModule[] = [
  healthRoutes,
  authRoutes,
  tokenRoutes,
  auditRoutes,
  adminRoutes,
  dataRoutes,
];
