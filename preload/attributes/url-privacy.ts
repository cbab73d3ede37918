/**
 * What an exported URL may show. Incoming requests lose their query string (it is
 * the end user's); outgoing ones keep it, minus the values of parameters that carry
 * secrets, bare values, credentials in the path, and any user:password@.
 *
 * The three name lists are what docs/tool-owners.md shows (tests/preload/privacy-doc.test.ts
 * compares them), so the docs cannot promise a name the code does not redact.
 */

/** A parameter with exactly one of these names (case-insensitive) carries a secret. */
export const SECRET_NAMES = ['code', 'sid', 'sig', 'auth', 'pass', 'jwt', 'credential', 'credentials'] as const;
/** ... or with one of these as a word of its name (words split at `_`, `-`, `.` and camelCase): `access_key`, `X-Api-Key`, `accessKey`. */
export const SECRET_WORDS = ['key', 'pw', 'pwd'] as const;
/** ... or with one of these anywhere in its name: `lgpassword`, `client_secret`, `jsessionid`. */
export const SECRET_PARTS = ['token', 'passw', 'secret', 'apikey', 'signature', 'session', 'private', 'cookie', 'authoriz', 'authoris'] as const;
export const REDACTED = 'REDACTED';

const names: ReadonlySet<string> = new Set(SECRET_NAMES);
/** A part of a name or path segment that reads as a word or a number: `List`, `of`, `2023`, `JPG`. */
const WORDLIKE = /^(?:[A-Z]?[a-z]+|[A-Z]+|\d+)?$/;
const words: ReadonlySet<string> = new Set(SECRET_WORDS);

export function isSecretParameter(name: string): boolean {
  const lower = name.toLowerCase();
  if (names.has(lower) || SECRET_PARTS.some((part) => lower.includes(part))) return true;
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((word) => words.has(word));
}

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // a malformed escape: judge the raw text
  }
}

/** Lower-case words and numbers joined by `_`, `-` or `.`: a name (`continue`, `rv_start`), not a bare value that lost its place (`APIKEY123`). */
const WORDS_NAME = /^(?:[a-z]+|\d+)(?:[_\-.](?:[a-z]+|\d+))*$/;

/**
 * `name=value` with a secret name -> `name=REDACTED`; a bare value (no `=`, e.g.
 * `?APIKEY123`) -> `REDACTED`. instrumentation-http re-serializes the query it records:
 * a bare value comes as `APIKEY123=` (so an empty value with a name that is not
 * lower-case words is a bare value too), and `;` and `=` inside a value percent-encoded (`a=1%3Btoken%3Dx`),
 * so a value with an encoded `&` or `;` is redacted as the query it was (a search for
 * `a&b` loses its `b`: privacy first).
 */
function redactParameter(pair: string): string {
  if (pair === '') return pair;
  const eq = pair.indexOf('=');
  if (eq === -1) return REDACTED;
  const rawName = pair.slice(0, eq);
  const rawValue = pair.slice(eq + 1);
  const name = decoded(rawName);
  if (rawValue === '') return WORDS_NAME.test(name) ? pair : `${REDACTED}=`;
  if (isSecretParameter(name)) return `${rawName}=${REDACTED}`;
  if (!/%(?:26|3b)/i.test(rawValue)) return pair;
  // The value and the parameters that were appended to it, redacted as the query they were.
  const value = decoded(rawValue);
  const redacted = redactQuery(`v=${value}`).slice(2);
  return redacted === value ? pair : `${rawName}=${encodeURIComponent(redacted)}`;
}

/** `a=1&token=x;b` -> `a=1&token=REDACTED;REDACTED` (a leading `?` is kept; `&` and `;` both separate); keeps order and names, never throws. */
export function redactQuery(query: string): string {
  if (query.startsWith('?')) return `?${redactQuery(query.slice(1))}`;
  return query
    .split(/([&;])/)
    .map((part, i) => (i % 2 === 1 ? part : redactParameter(part)))
    .join('');
}

/**
 * A path segment that is a credential, not an id: 20 or more token characters with upper
 * case, lower case and digits, not all words (`bot123456789:AAH...`, a webhook token).
 * Ids are kept: numbers, hex hashes and UUIDs are one case, titles and slugs are words
 * and numbers (`Windows_10_Installation`). A secret that is all hex or one case cannot be
 * told from an id and stays: such a secret belongs in a parameter with a secret name.
 */
export function isCredentialSegment(segment: string): boolean {
  if (segment.length < 20 || !/^[\w\-:.~]+$/.test(segment)) return false;
  if (!/[a-z]/.test(segment) || !/[A-Z]/.test(segment) || !/\d/.test(segment)) return false;
  return segment.split(/[_\-:.~]/).some((part) => !WORDLIKE.test(part));
}

/** Each segment of an outgoing path: a credential -> `REDACTED`; `;name=value` parameters as in a query. */
export function redactPath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      const semi = segment.indexOf(';');
      const head = semi === -1 ? segment : segment.slice(0, semi);
      const params = semi === -1 ? '' : `;${segment.slice(semi + 1).split(';').map(redactParameter).join(';')}`;
      return (isCredentialSegment(head) ? REDACTED : head) + params;
    })
    .join('/');
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

const ORIGIN = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^/@]*@)?([^/]*)/i;

function withoutUserinfo(base: string): string {
  return base.replace(ORIGIN, '$1$2');
}

/** An outgoing request's URL (absolute, or a path as in `http.target`): credentials out, secrets redacted, fragment dropped. */
export function outgoingUrl(url: string): string {
  const { base, query } = splitUrl(url);
  const origin = ORIGIN.exec(base);
  const clean = origin === null ? redactPath(base) : `${origin[1]}${origin[2]}${redactPath(base.slice(origin[0].length))}`;
  return clean + (query === undefined ? '' : `?${redactQuery(query)}`);
}

/** An incoming request's URL or target: no query string, no fragment. */
export function incomingUrl(url: string): string {
  return withoutUserinfo(splitUrl(url).base);
}
