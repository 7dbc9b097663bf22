import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { serveConsole } from '../web/serve.ts';
import { LdapDirectory } from './auth/ldap.ts';
import { SessionStore } from './auth/sessions.ts';
import { LoginThrottle } from './auth/throttle.ts';
import type { AppEnv, AppServices } from './context.ts';
import { type ApiDeps, authPolicyFromConfig, roleBindingsFromConfig } from './deps.ts';
import { handleError } from './error-handler.ts';
import { ApiError, errorBody } from './errors.ts';
import { originCheck } from './middleware/origin-check.ts';
import { requestContext } from './middleware/request-context.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { routeModules } from './routes/index.ts';
import { declareRoute, type RouteModule, registerRoutes } from './routing.ts';

export const OPENAPI_PATH = '/api/v1/openapi.json';
const MAX_BODY_BYTES = 1024 * 1024;

export type StrataApp = OpenAPIHono<AppEnv>;

function buildServices(deps: ApiDeps): AppServices {
  const now = deps.now ?? Date.now;
  const policy = { ...authPolicyFromConfig(deps.config), ...deps.auth };
  const prefix = deps.redisPrefix ?? 'strata:';
  return {
    deps,
    db: deps.db,
    redis: deps.redis,
    logger: deps.logger,
    now,
    policy,
    roleBindings: deps.roleBindings ?? roleBindingsFromConfig(deps.config),
    directory: deps.ldap ? new LdapDirectory(deps.ldap) : null,
    sessions: new SessionStore(deps.redis, prefix, { idleMs: policy.sessionIdleMs, maxMs: policy.sessionMaxMs }, now),
    throttle: new LoginThrottle(deps.redis, prefix, {
      windowMs: policy.loginWindowMs,
      maxPerUser: policy.maxFailuresPerUser,
      maxPerAddress: policy.maxFailuresPerAddress,
    }),
    trustedProxies: new Set(deps.config.STRATA_TRUSTED_PROXIES ?? []),
  };
}

/**
 * The whole API as a Hono app, with no socket: tests call `app.request(...)`, api/server.ts serves it.
 * Every route comes from a route module and declares the privilege it needs (see routing.ts).
 */
export function createApp(deps: ApiDeps, opts: { modules?: RouteModule[] } = {}): StrataApp {
  const services = buildServices(deps);
  const app = new OpenAPIHono<AppEnv>({
    strict: false, // HyperProxmox clients call paths with a trailing slash: /api/v1/static/instances/last/
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = [result.target === 'json' ? 'body' : result.target, ...(issue?.path ?? [])].join('.');
        throw new ApiError(400, 'bad_request', `Invalid ${where}: ${issue?.message ?? 'invalid value'}.`);
      }
    },
  });

  app.use('*', requestContext(services));
  app.use('*', securityHeaders());
  app.use('*', originCheck());
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );
  app.onError(handleError);
  app.notFound((c) => c.json(errorBody('not_found', `There is no ${c.req.method} ${c.req.path}.`), 404));

  for (const module of opts.modules ?? routeModules) registerRoutes(app, module);

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'strata_session',
    description: 'Session cookie from POST /api/v1/auth/login; writes also need the X-CSRF-Token header.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'API token `strata_<id>_<secret>` from POST /api/v1/tokens or `strata token create`.',
  });
  app.doc(OPENAPI_PATH, {
    openapi: '3.0.3',
    info: {
      title: 'Strata API',
      version: '1',
      description: 'A dated, queryable history of Proxmox VE and PBS estates. Every route names the role it needs.',
    },
  });
  // The document describes the API and holds no data, so tools may read it without logging in.
  declareRoute(app, {
    method: 'GET',
    path: OPENAPI_PATH,
    honoPath: OPENAPI_PATH,
    privilege: 'public',
    scoped: false,
    acrossClusters: false,
  });
  serveConsole(app); // a catch-all GET for the console: registered last so API routes answer first
  return app;
}
