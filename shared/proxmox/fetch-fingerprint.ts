import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { ConnectionError, TimeoutError } from './errors.ts';
import { hostLabel } from './types.ts';

/** What a user needs to confirm a server's certificate before its fingerprint is stored. */
export interface ServerCertificateInfo {
  /** SHA-256 fingerprint, uppercase colon hex (as Proxmox shows it). */
  fingerprint: string;
  /** Subject, e.g. `CN=pve1.example.com, O=PVE Cluster Node`. */
  subject: string;
  issuer: string;
  /** ISO-8601 start and end of validity. */
  validFrom: string;
  validTo: string;
  /** e.g. `DNS:pve1, IP Address:10.0.0.1`, when present. */
  subjectAltName?: string;
  selfSigned: boolean;
}

const oneLine = (dn: string) =>
  dn
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(', ');

/**
 * Connects without trusting anything, reads the server's leaf certificate and hangs up. Nothing is sent
 * over the connection, so this is safe against an impostor: it only reports what the server presents.
 */
export function fetchFingerprint(
  host: string,
  port: number,
  options: { timeoutMs?: number } = {},
): Promise<ServerCertificateInfo> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const label = hostLabel(host, port);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      rejectUnauthorized: false,
      ...(isIP(host) ? {} : { servername: host }),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new TimeoutError(
          `${label} did not complete a TLS handshake within ${timeoutMs} ms; check the address and port.`,
          'connect',
          timeoutMs,
          { host: label },
        ),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = socket.getPeerCertificate();
      socket.end();
      if (!peer?.raw) {
        reject(new ConnectionError(`${label} presented no TLS certificate; check the address and port.`, 'NO_CERT'));
        return;
      }
      const cert = new X509Certificate(peer.raw);
      resolve({
        fingerprint: cert.fingerprint256,
        subject: oneLine(cert.subject),
        issuer: oneLine(cert.issuer),
        validFrom: new Date(cert.validFrom).toISOString(),
        validTo: new Date(cert.validTo).toISOString(),
        ...(cert.subjectAltName ? { subjectAltName: cert.subjectAltName } : {}),
        selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const errno = err.code ?? 'UNKNOWN';
      reject(
        new ConnectionError(
          `Could not read the TLS certificate of ${label} (${errno}): ${err.message}; check the address and port.`,
          errno,
          { host: label, cause: err },
        ),
      );
    });
  });
}
