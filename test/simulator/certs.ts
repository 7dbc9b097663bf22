import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

export interface SimCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, uppercase colon-separated hex, as Proxmox shows it. */
  fingerprint: string;
  notBefore: number;
  notAfter: number;
  subject: string;
  issuer: string;
  san: string[];
}

/**
 * A self-signed certificate for one listener, valid for 127.0.0.1 and localhost (so clients can verify it as a CA
 * as well as pin it). EC P-256 by default: generation takes about a millisecond, which matters for 21 listeners.
 */
export async function makeCertificate(commonName: string, keyType: 'ec' | 'rsa' = 'ec'): Promise<SimCertificate> {
  const notBeforeDate = new Date(Date.now() - 3600_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 2 * 365 * 86400_000);
  const pems = await generate(
    [
      { name: 'commonName', value: commonName },
      { name: 'organizationName', value: 'PVE Cluster Node' },
    ],
    {
      algorithm: 'sha256',
      keyType,
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 2, value: commonName },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    },
  );
  const x509 = new X509Certificate(pems.cert);
  return {
    certPem: pems.cert,
    keyPem: pems.private,
    fingerprint: x509.fingerprint256,
    notBefore: Math.floor(Date.parse(x509.validFrom) / 1000),
    notAfter: Math.floor(Date.parse(x509.validTo) / 1000),
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    san: ['localhost', commonName, '127.0.0.1'],
  };
}
