import type { RouteModule } from '../../routing.ts';
import { actionRoutes } from './action-routes.ts';
import { analysisRoutes } from './analysis-routes.ts';
import { clusterAdminRoutes } from './cluster-admin-routes.ts';
import { guestReadRoutes } from './guest-routes.ts';
import { inventoryRoutes } from './inventory-routes.ts';
import { purgeRoutes } from './purge-routes.ts';
import { searchRoutes } from './search-routes.ts';
import { snapshotRoutes } from './snapshot-routes.ts';
import { staticRoutes } from './static-routes.ts';

/**
 * The data API: reads of published snapshots (HyperProxmox paths, lists, search, history, diff, capacity,
 * health, coverage), lifecycle actions and tasks, cluster administration and purge. Order matters only
 * among the compatibility paths (`/static/dates/...` and `/static/<kind>/id/...` before `/static/<kind>/<date>`).
 */
export const dataRoutes: RouteModule = [
  ...staticRoutes,
  ...snapshotRoutes,
  ...inventoryRoutes,
  ...searchRoutes,
  ...guestReadRoutes,
  ...analysisRoutes,
  ...actionRoutes,
  ...clusterAdminRoutes,
  ...purgeRoutes,
];
