/** Faults injected per cluster (or PBS), node or endpoint; see README.md for the matching rules. */
export interface Fault {
  /** Extra latency added to each matching request. */
  latencyMs?: number;
  jitterMs?: number;
  /** Probability (0..1) that a matching request is answered 500 with a PVE-shaped error (plain text on PBS). */
  errorRate?: number;
  /** Matching requests are never answered (the connection stays open until the client gives up). */
  hang?: boolean;
  /** Node offline: calls for it answer 595 "No route to host"; cluster views show it offline, its guests unknown. */
  offline?: boolean;
  /** Whole cluster unreachable: new connections are closed at once, open ones are cut. */
  unreachable?: boolean;
}

export interface FaultTarget {
  /** Cluster or PBS name. */
  cluster: string;
  node?: string;
  /**
   * A string matches the endpoint template with or without the method ('GET /nodes/{node}/qemu/{vmid}/config' or
   * '/nodes/{node}/qemu/{vmid}/config') or the concrete path ('/nodes/alpha-pve1/qemu/100/config'); a RegExp is
   * tested against 'METHOD /template' and 'METHOD /concrete/path'.
   */
  endpoint?: string | RegExp;
}

interface Entry {
  id: number;
  target: FaultTarget;
  fault: Fault;
}

export interface RequestFaults {
  latencyMs: number;
  jitterMs: number;
  errorRate: number;
  hang: boolean;
}

export class FaultRegistry {
  private entries: Entry[] = [];
  private nextId = 1;
  /** Called with the cluster name whenever faults for it change (listeners apply unreachable at once). */
  onChange: (cluster: string) => void = () => {};

  set(target: FaultTarget, fault: Fault): () => void {
    const entry = { id: this.nextId++, target, fault };
    this.entries.push(entry);
    this.onChange(target.cluster);
    return () => {
      const before = this.entries.length;
      this.entries = this.entries.filter((e) => e.id !== entry.id);
      if (this.entries.length !== before) this.onChange(target.cluster);
    };
  }

  clear(): void {
    const clusters = new Set(this.entries.map((e) => e.target.cluster));
    this.entries = [];
    for (const c of clusters) this.onChange(c);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  unreachable(cluster: string): boolean {
    return this.entries.some((e) => e.target.cluster === cluster && e.fault.unreachable);
  }

  /** Nodes marked offline; '*' when an offline fault names no node. */
  offlineNodes(cluster: string): Set<string> {
    const out = new Set<string>();
    for (const e of this.entries) {
      if (e.target.cluster === cluster && e.fault.offline && !e.target.endpoint) out.add(e.target.node ?? '*');
    }
    return out;
  }

  forRequest(cluster: string, node: string | undefined, method: string, template: string, path: string): RequestFaults {
    const out: RequestFaults = { latencyMs: 0, jitterMs: 0, errorRate: 0, hang: false };
    for (const e of this.entries) {
      const t = e.target;
      if (t.cluster !== cluster) continue;
      if (t.node !== undefined && t.node !== node) continue;
      if (t.endpoint !== undefined && !endpointMatches(t.endpoint, method, template, path)) continue;
      const f = e.fault;
      out.latencyMs += f.latencyMs ?? 0;
      out.jitterMs += f.jitterMs ?? 0;
      out.errorRate = Math.max(out.errorRate, f.errorRate ?? 0);
      out.hang ||= f.hang === true;
    }
    return out;
  }
}

function endpointMatches(endpoint: string | RegExp, method: string, template: string, path: string): boolean {
  if (typeof endpoint === 'string') {
    return (
      endpoint === `${method} ${template}` ||
      endpoint === template ||
      endpoint === path ||
      endpoint === `${method} ${path}`
    );
  }
  endpoint.lastIndex = 0;
  if (endpoint.test(`${method} ${template}`)) return true;
  endpoint.lastIndex = 0;
  return endpoint.test(`${method} ${path}`);
}
