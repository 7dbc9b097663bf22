import { ProxmoxClient, type ProxmoxClientOptions } from '../../shared/proxmox/index.ts';
import { startSimulator } from '../simulator/index.ts';

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;
export type SimEndpoint = Simulator['clusters'][number];

/** A tiny simulator tuned for client tests: no latency, short 401 delay and short tasks. */
export function startTinySimulator(extra: Record<string, unknown> = {}): Promise<Simulator> {
  return startSimulator({ preset: 'tiny', seed: 7, unauthorizedDelayMs: 20, autoAdvance: false, ...extra });
}

type Overrides = Partial<Omit<ProxmoxClientOptions, 'auth'>> & { auth?: ProxmoxClientOptions['auth'] };

/** A client for a simulated endpoint, pinned by its fingerprint, with an API token unless overridden. */
export function tokenClient(ep: SimEndpoint, overrides: Overrides = {}): ProxmoxClient {
  return new ProxmoxClient({
    kind: ep.kind,
    host: ep.host,
    port: ep.port,
    fingerprint: ep.fingerprint,
    auth: { type: 'token', tokenId: ep.tokenId, secret: ep.tokenSecret },
    ...overrides,
  });
}

export function passwordClient(ep: SimEndpoint, overrides: Overrides = {}): ProxmoxClient {
  return tokenClient(ep, { auth: { type: 'password', username: ep.user, password: ep.password }, ...overrides });
}

/** A free loopback port with nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}

export interface GuestRow {
  vmid: number;
  node: string;
  type: 'qemu' | 'lxc';
  status: string;
  template?: number;
  hastate?: string;
  lock?: string;
}

/** Guests as the API lists them (not the simulator's internals). */
export async function listGuests(client: ProxmoxClient): Promise<GuestRow[]> {
  return client.get<GuestRow[]>('/cluster/resources', { type: 'vm' });
}
