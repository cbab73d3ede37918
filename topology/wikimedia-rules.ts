import { service, type HostHandler, type RuleGroup } from './host-rules.js';
import { NODES } from './reserved-nodes.js';

/** Domains of the wiki families; every host under them is a MediaWiki API (detail = the wiki host). */
export const WIKI_FAMILIES = [
  'wikipedia.org',
  'wikimedia.org',
  'wikidata.org',
  'mediawiki.org',
  'wiktionary.org',
  'wikisource.org',
  'wikibooks.org',
  'wikiquote.org',
  'wikinews.org',
  'wikiversity.org',
  'wikivoyage.org',
  'wikifunctions.org',
] as const;

/** Production services under the wiki domains that are not a wiki: their own nodes, the host as detail. */
const NOT_WIKIS: Record<string, string> = {
  'query.wikidata.org': NODES.wikidataQuery,
  'query-main.wikidata.org': NODES.wikidataQuery,
  'query-scholarly.wikidata.org': NODES.wikidataQuery,
  'query-legacy-full.wikidata.org': NODES.wikidataQuery,
  'commons-query.wikimedia.org': NODES.wikidataQuery,
  'stream.wikimedia.org': NODES.eventStreams,
  'upload.wikimedia.org': NODES.upload,
  'dumps.wikimedia.org': NODES.wikimediaDumps,
};

/** `en.m.wikipedia.org` is the same wiki as `en.wikipedia.org`. */
function wikiHost(rest: string, family: string): string {
  if (rest === '' || rest === 'm') return family;
  return (rest.endsWith('.m') ? rest.slice(0, -2) : rest) + '.' + family;
}

function wiki(family: string): HostHandler {
  return (rest) => service(NODES.mediawiki, wikiHost(rest, family));
}

export function wikimediaRules(): RuleGroup {
  const exact: Record<string, HostHandler> = {};
  const suffixes: Record<string, HostHandler> = {};
  for (const family of WIKI_FAMILIES) {
    exact[family] = wiki(family);
    suffixes[family] = wiki(family);
  }
  for (const [host, node] of Object.entries(NOT_WIKIS)) {
    exact[host] = () => service(node, host);
  }
  return { exact, suffixes };
}
