import { X509Certificate } from 'node:crypto';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { TlsPinMismatchError } from './errors.ts';
import { fingerprintsEqual, normalizeFingerprint } from './fingerprint.ts';
import { hostLabel, PRODUCT_NAME, type ProxmoxKind } from './types.ts';

/**
 * TLS pinning for undici. `connect: { rejectUnauthorized: false, checkServerIdentity }` does NOT pin: Node
 * skips checkServerIdentity when chain verification fails (always, for a self-signed or PVE-CA cert) and
 * then accepts the connection anyway. So we accept the handshake, then check the peer ourselves before
 * undici may use the socket, and refuse it on mismatch. TLS session caching is off: a resumed session has
 * no peer certificate to check.
 */

const connectFailures = new WeakSet<object>();

/** True for an error raised while opening a connection (TCP connect or TLS handshake): nothing was sent yet. */
export function isConnectFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && connectFailures.has(err);
}

export interface TlsPin {
  /** Expected SHA-256 fingerprint of the server's certificate (any case, colons optional). */
  fingerprint?: string;
  /** PEM of the CA(s) that must have signed the server's certificate (the host name is checked too). */
  caPem?: string;
}

export interface PinnedConnectorOptions {
  kind: ProxmoxKind;
  connectTimeoutMs: number;
  /** The pin for a host; called on every new connection. */
  pinFor(hostname: string, port: number): TlsPin;
  /** Called for every connection that passed the pin check. */
  onConnected?: () => void;
}

function caDescription(caPem: string): string {
  try {
    return `a certificate signed by the pinned CA (CA fingerprint ${new X509Certificate(caPem).fingerprint256})`;
  } catch {
    return 'a certificate signed by the pinned CA';
  }
}

/** Checks a connected socket against a pin; returns the error to raise, or null when the peer is the pinned one. */
export function checkPeer(socket: TLSSocket, pin: TlsPin, kind: ProxmoxKind, host: string): TlsPinMismatchError | null {
  // The X509 object's fingerprint is computed natively; getPeerCertificate() builds a JS object of every field.
  const actual = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
  const who = `${PRODUCT_NAME[kind]} at ${host}`;
  if (pin.fingerprint !== undefined && !fingerprintsEqual(actual, pin.fingerprint)) {
    const expected = normalizeFingerprint(pin.fingerprint);
    return new TlsPinMismatchError(
      `The TLS certificate of ${who} has changed: expected fingerprint ${expected} but the server presented ${actual || '(no certificate)'}; if it was renewed on purpose, confirm the new fingerprint and store it, otherwise do not trust this server.`,
      expected,
      actual,
      { host },
    );
  }
  if (pin.caPem !== undefined && !socket.authorized) {
    const expected = caDescription(pin.caPem);
    return new TlsPinMismatchError(
      `The TLS certificate of ${who} (fingerprint ${actual || 'none'}) is not ${expected} (${String(socket.authorizationError)}); if the certificate changed on purpose, confirm it and store the right CA or fingerprint.`,
      expected,
      actual,
      { host },
    );
  }
  return null;
}

/** An undici connector that refuses any server not matching its pin. */
export function pinnedConnector(options: PinnedConnectorOptions): buildConnector.connector {
  const bases = new Map<string, buildConnector.connector>();
  const baseFor = (caPem: string | undefined) => {
    const key = caPem ?? '';
    let base = bases.get(key);
    if (!base) {
      base = buildConnector({
        rejectUnauthorized: false,
        maxCachedSessions: 0,
        timeout: options.connectTimeoutMs,
        // One context for every connection: building it (root store, CA) per connection cost more CPU than
        // the handshake in a crawl that opens hundreds of connections.
        secureContext: createSecureContext(caPem === undefined ? {} : { ca: caPem }),
      });
      bases.set(key, base);
    }
    return base;
  };
  return (connectOptions, callback) => {
    const port = Number(connectOptions.port) || 443;
    const hostname = connectOptions.hostname.replace(/^\[|\]$/g, '');
    const pin = options.pinFor(hostname, port);
    baseFor(pin.caPem)(connectOptions, (err, socket) => {
      if (err || !socket) {
        const failure = err ?? new Error('connect failed');
        connectFailures.add(failure);
        callback(failure, null);
        return;
      }
      const mismatch = checkPeer(socket as TLSSocket, pin, options.kind, hostLabel(hostname, port));
      if (mismatch) {
        socket.destroy();
        callback(mismatch, null);
        return;
      }
      options.onConnected?.();
      callback(null, socket);
    });
  };
}
