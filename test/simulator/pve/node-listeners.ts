/**
 * Node listeners (option `nodeListeners`): every node of a PVE cluster gets its own HTTPS listener, as every node of
 * a real cluster runs pveproxy. A node's listener answers as that node (`local: 1` in /cluster/status; `localhost`
 * and cluster-wide calls are that node's) and shares the cluster's state, auth realm, request counts and per-node
 * concurrency slots with the cluster listener.
 */
import type { SimCertificate } from '../certs.ts';
import { createRequestHandler, Listener } from '../http/server.ts';
import type { EndpointCore } from '../runtime.ts';
import { type PveEnv, pveRoutes } from './routes.ts';

export function nodeListeners(core: EndpointCore, env: PveEnv, cert: SimCertificate): Map<string, Listener> {
  const out = new Map<string, Listener>();
  for (const { name } of env.state.truth.nodes) {
    const nodeCore: EndpointCore = { ...core, entryNode: name, router: pveRoutes({ ...env, localNode: name }) };
    const listener: Listener = new Listener(
      cert,
      createRequestHandler(nodeCore, () => listener),
    );
    out.set(name, listener);
  }
  return out;
}
