import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface TlsFiles {
  key: string;
  cert: string;
  /** PEM file to trust the certificate (for NODE_EXTRA_CA_CERTS, curl --cacert, ...). */
  certFile: string;
  keyFile: string;
}

/** A self-signed certificate for `names` (DNS SANs), written to `dir`; a CA too, so clients can trust it as a CA file. */
export async function selfSignedCertificate(dir: string, names: string[]): Promise<TlsFiles> {
  const pems = await generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2 as const, value })) },
    ],
  });
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await writeFile(certFile, pems.cert);
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  return { key: pems.private, cert: pems.cert, certFile, keyFile };
}
