import { getDomain } from 'tldts';

/**
 * The detail of an unrecognized public host: its registrable domain under the ICANN public
 * suffixes (`api.github.com` -> `github.com`), so per-user subdomains do not multiply values.
 */
export function registrableDomain(host: string): string {
  return (
    getDomain(host, { allowPrivateDomains: false, extractHostname: false, validateHostname: false, detectIp: false }) ??
    host
  );
}
