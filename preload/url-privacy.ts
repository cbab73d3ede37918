/**
 * What an exported URL may show. Incoming requests lose their query string (it is
 * the end user's); outgoing ones keep it, minus the values of parameters that carry
 * secrets, and minus any user:password@.
 */
const SECRET_NAMES = new Set([
  'key', 'pass', 'pwd', 'sig', 'code', 'auth', 'session', 'sid', 'credential', 'credentials', 'jwt',
]);
const SECRET_PATTERN = /token|passw|secret|api_?key|apikey|signature|session|private|cookie|authori[sz]/i;
export const REDACTED = 'REDACTED';

export function isSecretParameter(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAMES.has(lower) || SECRET_PATTERN.test(lower);
}

/** `a=1&token=x` -> `a=1&token=REDACTED` (a leading `?` is kept); keeps order and names, never throws. */
export function redactQuery(query: string): string {
  if (query.startsWith('?')) return `?${redactQuery(query.slice(1))}`;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // a malformed escape: judge the raw name
      }
      return eq !== -1 && isSecretParameter(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
}

function splitUrl(url: string): { base: string; query: string | undefined; fragment: string } {
  const hash = url.indexOf('#');
  const fragment = hash === -1 ? '' : url.slice(hash);
  const noFragment = hash === -1 ? url : url.slice(0, hash);
  const q = noFragment.indexOf('?');
  return q === -1
    ? { base: noFragment, query: undefined, fragment }
    : { base: noFragment.slice(0, q), query: noFragment.slice(q + 1), fragment };
}

function withoutUserinfo(base: string): string {
  return base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** An outgoing request's URL: credentials out, secret parameter values redacted, fragment dropped. */
export function outgoingUrl(url: string): string {
  const { base, query } = splitUrl(url);
  return withoutUserinfo(base) + (query === undefined ? '' : `?${redactQuery(query)}`);
}

/** An incoming request's URL or target: no query string, no fragment. */
export function incomingUrl(url: string): string {
  return withoutUserinfo(splitUrl(url).base);
}
