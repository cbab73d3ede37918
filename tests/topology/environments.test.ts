// The same names seen from each environment: toolsbeta, lima-kilo, Cloud VPS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  classifyDestination,
  isProfileName,
  PROFILE_NAMES,
  profileByName,
  type Destination,
  type DestinationTarget,
} from '../../topology/index.js';

type Row = [DestinationTarget, Destination];

const expectations: Record<string, Row[]> = {
  toolsbeta: [
    [{ host: 'xtools.beta.toolforge.org' }, { node: 'xtools', kind: 'tool' }],
    [{ host: 'api.tool-xtools.svc.toolsbeta.local:8000' }, { node: 'xtools', kind: 'tool', detail: 'api' }],
    [{ host: 'kubernetes.default.svc.toolsbeta.local' }, { node: 'toolforge:k8s-api', kind: 'service' }],
    // toolsbeta's own platform services live in its project.
    [{ host: 'redis.svc.toolsbeta.eqiad1.wikimedia.cloud' }, { node: 'toolforge:redis', kind: 'service' }],
    [{ host: 'api.svc.toolsbeta.eqiad1.wikimedia.cloud:30003' }, { node: 'toolforge:api', kind: 'service' }],
    // A production tool is not the toolsbeta tool of the same name.
    [{ host: 'xtools.toolforge.org' }, { node: 'cloudvps:tools', kind: 'service', detail: 'xtools.toolforge.org' }],
    [{ host: 'redis.svc.tools.eqiad1.wikimedia.cloud' }, { node: 'cloudvps:tools', kind: 'service', detail: 'redis.svc' }],
    [{ host: 'tools.wmflabs.org', path: '/geohack/' }, { node: 'cloudvps:tools', kind: 'service', detail: 'geohack.toolforge.org' }],
    // Shared services are the same everywhere.
    [{ host: 'enwiki.analytics.db.svc.wikimedia.cloud' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'en.wikipedia.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikipedia.org' }],
    // The production cluster domain means nothing in toolsbeta.
    [{ host: 'api.tool-xtools.svc.tools.local' }, { node: 'external:internet', kind: 'external', detail: 'api.tool-xtools.svc.tools.local' }],
  ],
  'lima-kilo': [
    [{ host: 'web.tool-tf-test.svc.cluster.local:8000' }, { node: 'tf-test', kind: 'tool', detail: 'web' }],
    [{ host: 'web.tool-tf-test2.svc' }, { node: 'tf-test2', kind: 'tool', detail: 'web' }],
    [{ host: 'web.tool-tf-test2' }, { node: 'tf-test2', kind: 'tool', detail: 'web' }],
    [{ host: 'tf-test.toolforge.org' }, { node: 'tf-test', kind: 'tool' }],
    [{ host: 'kubernetes.default.svc.cluster.local' }, { node: 'toolforge:k8s-api', kind: 'service' }],
    [{ host: 'kubernetes' }, { node: 'toolforge:k8s-api', kind: 'service' }],
    [{ host: 'redis.svc.tools.eqiad1.wikimedia.cloud' }, { node: 'toolforge:redis', kind: 'service' }],
    [{ host: 'tools.db.svc.wikimedia.cloud', dbName: 's50001__test' }, { node: 'toolforge:toolsdb', kind: 'service', detail: 's50001__test' }],
  ],
  cloudvps: [
    [{ host: 'web-1.myproject.eqiad1.wikimedia.cloud' }, { node: 'cloudvps:myproject', kind: 'service', detail: 'web-1' }],
    [{ host: 'db.svc.myproject.eqiad1.wikimedia.cloud:5432' }, { node: 'cloudvps:myproject', kind: 'service', detail: 'db.svc' }],
    [{ host: 'cloudinfra-nfs.svc.eqiad1.wikimedia.cloud' }, { node: 'wmcs:other', kind: 'service', detail: 'cloudinfra-nfs.svc.eqiad1.wikimedia.cloud' }],
    [{ host: 'myproject.wmcloud.org' }, { node: 'wmcs:web-proxy', kind: 'service', detail: 'myproject.wmcloud.org' }],
    // Production tools keep their tool node, so a project calling a tool joins the Toolforge graph.
    [{ host: 'xtools.toolforge.org' }, { node: 'xtools', kind: 'tool' }],
    [{ host: 'tools.wmflabs.org', path: '/xtools/' }, { node: 'xtools', kind: 'tool' }],
    [{ host: 'enwiki.analytics.db.svc.wikimedia.cloud', dbName: 'enwiki_p' }, { node: 'wmcs:wiki-replicas', kind: 'service', detail: 'enwiki' }],
    [{ host: 'object.eqiad1.wikimediacloud.org', path: '/swift/v1/AUTH_myproject/c/o' }, { node: 'wmcs:object-storage', kind: 'service', detail: 'myproject' }],
    [{ host: 'en.wikipedia.org' }, { node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikipedia.org' }],
    // No Kubernetes on a VM: cluster names are nothing special.
    [{ host: 'api.tool-xtools.svc.tools.local' }, { node: 'external:internet', kind: 'external', detail: 'api.tool-xtools.svc.tools.local' }],
    [{ host: 'api.tool-xtools' }, { node: 'external:internet', kind: 'external', detail: 'api.tool-xtools' }],
    [{ host: 'kubernetes' }, { node: 'local:unqualified', kind: 'external', detail: 'kubernetes' }],
  ],
};

describe('environments', () => {
  for (const [name, rows] of Object.entries(expectations)) {
    describe(`${name} profile`, () => {
      const profile = profileByName(name);
      it('is that profile', () => assert.equal(profile.name, name));
      for (const [target, expected] of rows) {
        it(`${JSON.stringify(target)} -> ${expected.node}`, () => {
          assert.deepEqual(classifyDestination(target, profile), expected);
        });
      }
    });
  }

  it('profile names: the four, case-insensitive; unknown ones fall back to toolforge', () => {
    assert.deepEqual([...PROFILE_NAMES], ['toolforge', 'toolsbeta', 'lima-kilo', 'cloudvps']);
    for (const name of PROFILE_NAMES) assert.ok(isProfileName(name));
    assert.equal(profileByName(' CloudVPS ').name, 'cloudvps');
    assert.equal(profileByName('nonsense').name, 'toolforge');
    assert.equal(profileByName(undefined as unknown as string).name, 'toolforge');
    assert.equal(isProfileName('nonsense'), false);
    assert.equal(profileByName('toolforge'), profileByName('toolforge'), 'profiles are built once');
  });

  it('platforms: Kubernetes for the Toolforges, VMs for Cloud VPS', () => {
    assert.deepEqual(
      PROFILE_NAMES.map((name) => profileByName(name).platform),
      ['toolforge', 'toolforge', 'toolforge', 'cloudvps'],
    );
  });
});
