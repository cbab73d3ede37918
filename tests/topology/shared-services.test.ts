// Every row of the "Shared services" table of toolforge-facts.md, with the real host names,
// through the production Toolforge profile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifyDestination, profileByName, type Destination, type DestinationTarget } from '../../topology/index.js';

const toolforge = profileByName('toolforge');

type Row = [DestinationTarget, Destination];

const tables: Record<string, Row[]> = {
  'Wiki Replicas': [
    [{ host: 'enwiki.analytics.db.svc.wikimedia.cloud', port: 3306, dbSystem: 'mysql', dbName: 'enwiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'enwiki.analytics.db.svc.wikimedia.cloud' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'dewiki.web.db.svc.wikimedia.cloud', port: 3306 }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'dewiki' }],
    [{ host: 'commonswiki.web.db.svc.wikimedia.cloud', dbName: 'commonswiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'commonswiki' }],
    // One connection to a section host serves all its wikis: the database in use names the wiki.
    [{ host: 's1.analytics.db.svc.wikimedia.cloud', dbName: 'enwiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 's4.web.db.svc.wikimedia.cloud', dbName: 'commonswiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'commonswiki' }],
    [{ host: 's8.analytics.db.svc.wikimedia.cloud', dbName: 'wikidatawiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'wikidatawiki' }],
    [{ host: 's3.web.db.svc.wikimedia.cloud' }, { node: 'wmcs:wiki-replicas', kind: 'service' }],
    // The database in use beats the host's name (cross-wiki queries on one section).
    [{ host: 'enwiki.analytics.db.svc.wikimedia.cloud', dbName: 'simplewiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'simplewiki' }],
    [{ host: 'meta.analytics.db.svc.wikimedia.cloud', dbName: 'meta_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'meta' }],
    [{ host: 'enwiki_p.analytics.db.svc.wikimedia.cloud' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'enwiki.analytics.db.svc.eqiad.wmflabs' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'frwiki.web.db.svc.eqiad.wmflabs' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'frwiki' }],
    [{ host: 'enwiki.db.svc.eqiad.wmflabs' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'enwiki.labsdb' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'enwiki_p.labsdb', dbName: 'enwiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 's1.labsdb', dbName: 'enwiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
  ],
  ToolsDB: [
    [{ host: 'tools.db.svc.wikimedia.cloud', port: 3306, dbSystem: 'mysql', dbName: 's51234__foo' }, { node: 'toolforge:toolsdb', kind: 'service', detail: 's51234__foo' }],
    [{ host: 'tools.db.svc.wikimedia.cloud' }, { node: 'toolforge:toolsdb', kind: 'service' }],
    [{ host: 'tools.db.svc.eqiad1.wikimedia.cloud', dbName: 's54321__bar_p' }, { node: 'toolforge:toolsdb', kind: 'service', detail: 's54321__bar_p' }],
    [{ host: 'tools-db', dbName: 's51234__foo' }, { node: 'toolforge:toolsdb', kind: 'service', detail: 's51234__foo' }],
    [{ host: 'tools.labsdb' }, { node: 'toolforge:toolsdb', kind: 'service' }],
    [{ host: 'tools.db.svc.eqiad.wmflabs', dbName: 's51234__foo' }, { node: 'toolforge:toolsdb', kind: 'service', detail: 's51234__foo' }],
    // Something that is not a database name does not travel.
    [{ host: 'tools.db.svc.wikimedia.cloud', dbName: "x'; DROP TABLE y" }, { node: 'toolforge:toolsdb', kind: 'service' }],
  ],
  Redis: [
    [{ host: 'redis.svc.tools.eqiad1.wikimedia.cloud', port: 6379, dbSystem: 'redis' }, { node: 'toolforge:redis', kind: 'service' }],
    [{ host: 'redis.svc.tools.eqiad1.wikimedia.cloud:6379' }, { node: 'toolforge:redis', kind: 'service' }],
  ],
  'Elasticsearch / OpenSearch': [
    [{ host: 'elasticsearch.svc.tools.eqiad1.wikimedia.cloud', port: 80 }, { node: 'toolforge:elasticsearch', kind: 'service' }],
    [{ host: 'elasticsearch.svc.tools.eqiad1.wikimedia.cloud:80' }, { node: 'toolforge:elasticsearch', kind: 'service' }],
    [{ host: 'opensearch.svc.tools.eqiad1.wikimedia.cloud', port: 80 }, { node: 'toolforge:opensearch', kind: 'service' }],
  ],
  'Toolforge API': [
    [{ host: 'api.svc.tools.eqiad1.wikimedia.cloud:30003' }, { node: 'toolforge:api', kind: 'service' }],
    [{ host: 'api.svc.tools.eqiad1.wikimedia.cloud', port: 30003, path: '/jobs/v1/tool/foo/jobs/' }, { node: 'toolforge:api', kind: 'service' }],
    [{ host: 'api.svc.toolforge.org' }, { node: 'toolforge:api', kind: 'service' }],
  ],
  Mail: [
    [{ host: 'mail.tools.wmcloud.org', port: 25 }, { node: 'toolforge:mail', kind: 'service' }],
    [{ host: 'mail.tools.wmcloud.org:587' }, { node: 'toolforge:mail', kind: 'service' }],
  ],
  'MediaWiki APIs': [
    [{ host: 'en.wikipedia.org', port: 443, path: '/w/api.php' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikipedia.org' }],
    [{ host: 'de.wikipedia.org', path: '/w/rest.php/v1/page/Berlin' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'de.wikipedia.org' }],
    [{ host: 'en.m.wikipedia.org', path: '/api/rest_v1/page/summary/X' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikipedia.org' }],
    [{ host: 'commons.wikimedia.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'commons.wikimedia.org' }],
    [{ host: 'meta.wikimedia.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'meta.wikimedia.org' }],
    [{ host: 'api.wikimedia.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'api.wikimedia.org' }],
    [{ host: 'www.wikidata.org', path: '/w/api.php' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'www.wikidata.org' }],
    [{ host: 'm.wikidata.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'wikidata.org' }],
    [{ host: 'test.wikidata.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'test.wikidata.org' }],
    [{ host: 'www.mediawiki.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'www.mediawiki.org' }],
    [{ host: 'fr.wiktionary.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'fr.wiktionary.org' }],
    [{ host: 'de.wikisource.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'de.wikisource.org' }],
    [{ host: 'en.wikibooks.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikibooks.org' }],
    [{ host: 'it.wikiquote.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'it.wikiquote.org' }],
    [{ host: 'sr.wikinews.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'sr.wikinews.org' }],
    [{ host: 'en.wikiversity.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikiversity.org' }],
    [{ host: 'en.wikivoyage.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikivoyage.org' }],
    [{ host: 'www.wikifunctions.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'www.wikifunctions.org' }],
    [{ host: 'wikipedia.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'wikipedia.org' }],
    // Production services under the wiki domains that are not MediaWiki.
    [{ host: 'query.wikidata.org', path: '/sparql' }, { node: 'wikimedia:wdqs', kind: 'service', detail: 'query.wikidata.org' }],
    [{ host: 'query-main.wikidata.org' }, { node: 'wikimedia:wdqs', kind: 'service', detail: 'query-main.wikidata.org' }],
    [{ host: 'stream.wikimedia.org', path: '/v2/stream/recentchange' }, { node: 'wikimedia:eventstreams', kind: 'service', detail: 'stream.wikimedia.org' }],
    [{ host: 'upload.wikimedia.org' }, { node: 'wikimedia:upload', kind: 'service', detail: 'upload.wikimedia.org' }],
    [{ host: 'dumps.wikimedia.org' }, { node: 'wikimedia:dumps', kind: 'service', detail: 'dumps.wikimedia.org' }],
  ],
  'Another tool (public)': [
    [{ host: 'xtools.toolforge.org', port: 443, path: '/api/page/articleinfo' }, { node: 'xtools', kind: 'tool' }],
    [{ host: 'tf-test.toolforge.org' }, { node: 'tf-test', kind: 'tool' }],
    [{ host: 'Some-Tool.Toolforge.Org.' }, { node: 'some-tool', kind: 'tool' }],
    // The legacy URL names the tool in its path.
    [{ host: 'tools.wmflabs.org', path: '/geohack/geohack.php?params=1' }, { node: 'geohack', kind: 'tool' }],
    [{ host: 'tools.wmflabs.org', path: '/' }, { node: 'toolforge:front-proxy', kind: 'service', detail: 'tools.wmflabs.org' }],
    [{ host: 'toolforge.org' }, { node: 'toolforge:front-proxy', kind: 'service' }],
    [{ host: 'a.b.toolforge.org' }, { node: 'toolforge:front-proxy', kind: 'service', detail: 'a.b.toolforge.org' }],
    // A tool of toolsbeta is not the production tool of the same name.
    [{ host: 'xtools.beta.toolforge.org' }, { node: 'cloudvps:toolsbeta', kind: 'service', detail: 'xtools.beta.toolforge.org' }],
  ],
  'Another tool (in cluster)': [
    [{ host: 'api.tool-xtools.svc.tools.local', port: 8000 }, { node: 'xtools', kind: 'tool', detail: 'api' }],
    [{ host: 'worker.tool-tf-test.svc.tools.local:8080' }, { node: 'tf-test', kind: 'tool', detail: 'worker' }],
    [{ host: 'api.tool-xtools.svc' }, { node: 'xtools', kind: 'tool', detail: 'api' }],
    [{ host: 'api.tool-xtools' }, { node: 'xtools', kind: 'tool', detail: 'api' }],
    [{ host: 'kubernetes.default.svc.tools.local' }, { node: 'toolforge:k8s-api', kind: 'service' }],
    [{ host: 'jobs-api.jobs-api.svc.tools.local' }, { node: 'toolforge:k8s-service', kind: 'service', detail: 'jobs-api.jobs-api' }],
  ],
  'Object storage': [
    [{ host: 'object.eqiad1.wikimediacloud.org', port: 443 }, { node: 'wmcs:object-storage', kind: 'service' }],
    [{ host: 'object.eqiad1.wikimediacloud.org', path: '/swift/v1/AUTH_tools/backups/x.tar' }, { node: 'wmcs:object-storage', kind: 'service', detail: 'tools' }],
  ],
  'Cloud VPS': [
    [{ host: 'tools-k8s-worker-nfs-1.tools.eqiad1.wikimedia.cloud' }, { node: 'cloudvps:tools', kind: 'service', detail: 'tools-k8s-worker-nfs-1' }],
    [{ host: 'web-1.wikidata-analytics.eqiad1.wikimedia.cloud:8080' }, { node: 'cloudvps:wikidata-analytics', kind: 'service', detail: 'web-1' }],
    [{ host: 'postgres.svc.quarry.eqiad1.wikimedia.cloud' }, { node: 'cloudvps:quarry', kind: 'service', detail: 'postgres.svc' }],
    [{ host: 'bastion.myproject.eqiad.wmflabs' }, { node: 'cloudvps:myproject', kind: 'service', detail: 'bastion' }],
    [{ host: 'quarry.wmcloud.org' }, { node: 'wmcs:web-proxy', kind: 'service', detail: 'quarry.wmcloud.org' }],
    [{ host: 'reading-web-staging.wmflabs.org' }, { node: 'wmcs:web-proxy', kind: 'service', detail: 'reading-web-staging.wmflabs.org' }],
    [{ host: 'en.wikipedia.beta.wmflabs.org' }, { node: 'cloudvps:deployment-prep', kind: 'service', detail: 'en.wikipedia.beta.wmflabs.org' }],
    [{ host: 'tools-harbor.wmcloud.org' }, { node: 'toolforge:registry', kind: 'service' }],
    [{ host: 'docker-registry.svc.toolforge.org' }, { node: 'toolforge:registry', kind: 'service' }],
  ],
  'Other external hosts': [
    [{ host: 'api.github.com', port: 443, path: '/repos/x/y?access_token=secret' }, { node: 'external:internet', kind: 'external', detail: 'api.github.com' }],
    [{ host: 'www.bbc.co.uk' }, { node: 'external:internet', kind: 'external', detail: 'www.bbc.co.uk' }],
    [{ host: 'API.OpenStreetMap.org.:443' }, { node: 'external:internet', kind: 'external', detail: 'api.openstreetmap.org' }],
    [{ host: 'localhost:3000' }, { node: 'local:loopback', kind: 'external' }],
    [{ host: 'memcached' }, { node: 'local:unqualified', kind: 'external', detail: 'memcached' }],
  ],
};

describe('toolforge profile: shared services with their real names', () => {
  for (const [service, rows] of Object.entries(tables)) {
    describe(service, () => {
      for (const [target, expected] of rows) {
        it(`${JSON.stringify(target)} -> ${expected.node}${expected.detail ? ` (${expected.detail})` : ''}`, () => {
          assert.deepEqual(classifyDestination(target, toolforge), expected);
        });
      }
    });
  }
});
