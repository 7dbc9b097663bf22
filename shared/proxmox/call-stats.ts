import { endpointTemplate } from './endpoint-template.ts';

/** What one client sent: every HTTP request counts (logins and retries included), by `METHOD /template`. */
export interface CallStatsSnapshot {
  /** HTTP requests sent, all kinds. */
  requests: number;
  /** Requests by `METHOD /template`, e.g. `GET /nodes/{node}/qemu`. */
  byEndpoint: Record<string, number>;
  /** Requests that ended in an error (HTTP or transport). */
  failures: number;
  /** Requests that were retries of an earlier failed attempt. */
  retries: number;
  /** Ticket logins and renewals (POST /access/ticket). */
  logins: number;
  /** Times a call moved to a fallback host because its host was unreachable. */
  hostSwitches: number;
  /** TLS connections opened (each one a full handshake: sessions are never resumed, see tls-pinning.ts). */
  connections: number;
}

export class CallStats {
  private requests = 0;
  private failures = 0;
  private retries = 0;
  private logins = 0;
  private hostSwitches = 0;
  private connections = 0;
  private byEndpoint = new Map<string, number>();

  recordRequest(method: string, path: string): void {
    this.requests++;
    const key = `${method} ${endpointTemplate(path)}`;
    this.byEndpoint.set(key, (this.byEndpoint.get(key) ?? 0) + 1);
  }

  recordFailure(): void {
    this.failures++;
  }

  recordRetry(): void {
    this.retries++;
  }

  recordLogin(): void {
    this.logins++;
  }

  recordHostSwitch(): void {
    this.hostSwitches++;
  }

  recordConnection(): void {
    this.connections++;
  }

  snapshot(): CallStatsSnapshot {
    return {
      requests: this.requests,
      byEndpoint: Object.fromEntries([...this.byEndpoint].sort(([a], [b]) => a.localeCompare(b))),
      failures: this.failures,
      retries: this.retries,
      logins: this.logins,
      hostSwitches: this.hostSwitches,
      connections: this.connections,
    };
  }

  reset(): void {
    this.requests = this.failures = this.retries = this.logins = this.hostSwitches = this.connections = 0;
    this.byEndpoint.clear();
  }
}
