import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Config } from '../shared/config.ts';
import { createApp, type StrataApp } from './app.ts';
import { prepareApiCollections } from './database.ts';
import type { ApiDeps } from './deps.ts';

export interface RunningApi {
  app: StrataApp;
  server: ServerType;
  /** Where it listens, e.g. https://127.0.0.1:8443 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the API on STRATA_API_HOST:STRATA_API_PORT, over HTTPS when STRATA_TLS_CERT and STRATA_TLS_KEY are
 * set. Resolves once listening (port 0 picks a free port; `port` says which).
 */
export async function startApi(config: Config, deps: ApiDeps): Promise<RunningApi> {
  await prepareApiCollections(deps.db);
  const app = createApp({ ...deps, config });
  const tls =
    config.STRATA_TLS_CERT && config.STRATA_TLS_KEY
      ? { cert: readFileSync(config.STRATA_TLS_CERT), key: readFileSync(config.STRATA_TLS_KEY) }
      : null;
  const host = config.STRATA_API_HOST;
  const { server, info } = await new Promise<{ server: ServerType; info: AddressInfo }>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port: config.STRATA_API_PORT,
        ...(tls ? { createServer: createHttpsServer, serverOptions: { ...tls, minVersion: 'TLSv1.2' as const } } : {}),
      },
      (address) => resolve({ server: s, info: address }),
    );
    s.once('error', reject);
  });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${info.port}`;
  deps.logger.info({ url }, 'API listening');
  return {
    app,
    server,
    url,
    port: info.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
