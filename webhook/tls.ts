/**
 * TLS material: read and check the certificate files, reload them when cert-manager
 * rotates them, or generate a self-signed pair for local runs.
 */
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { generate } from 'selfsigned';

const minTlsVersion = 'TLSv1.2';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export const secureOptions = (m: TlsMaterial): SecureContextOptions => ({ cert: m.cert, key: m.key, minVersion: minTlsVersion });

/** Reads both files and proves they form a usable pair, naming the file at fault. */
export async function readTls(files: TlsFiles): Promise<TlsMaterial> {
  const read = async (path: string, what: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read TLS ${what} ${path}: ${(err as Error).message}`, { cause: err });
    }
  };
  const material = { cert: await read(files.certFile, 'certificate'), key: await read(files.keyFile, 'key') };
  try {
    createSecureContext(secureOptions(material));
  } catch (err) {
    throw new Error(`TLS certificate ${files.certFile} and key ${files.keyFile} are not a usable pair: ${(err as Error).message}`, { cause: err });
  }
  return material;
}

/**
 * Polls both files (stat follows the symlinks cert-manager swaps in a Secret volume)
 * and hands over the new pair once it reads and checks cleanly. A half-written
 * rotation fails the check and is retried on the next change; the old pair stays.
 */
export function watchTls(
  files: TlsFiles,
  onReload: (m: TlsMaterial) => void,
  onFailure: (err: Error) => void,
  intervalMs = 2000,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    // Both files change in one rotation: wait for the second before reading.
    timer = setTimeout(() => {
      readTls(files).then(onReload, onFailure);
    }, Math.min(250, intervalMs));
  };
  watchFile(files.certFile, { interval: intervalMs }, changed);
  watchFile(files.keyFile, { interval: intervalMs }, changed);
  return () => {
    clearTimeout(timer);
    unwatchFile(files.certFile, changed);
    unwatchFile(files.keyFile, changed);
  };
}

/** A throwaway certificate for local runs and tests: valid for `hosts` (names or IPs). */
export async function selfSignedTls(hosts: string[]): Promise<TlsMaterial> {
  const isIp = (h: string) => /^[0-9.]+$/.test(h) || h.includes(':');
  const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((h) => (isIp(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })) },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
