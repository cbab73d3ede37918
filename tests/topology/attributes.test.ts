import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ATTR_DEPENDENCY_DETAIL,
  ATTR_DEPENDENCY_KIND,
  ATTR_PEER_SERVICE,
  ATTR_SAMPLED,
  classifyDestination,
  destinationAttributes,
  profileByName,
} from '../../topology/index.js';

describe('span attributes', () => {
  it('have the names the contracts fix', () => {
    assert.deepEqual(
      [ATTR_PEER_SERVICE, ATTR_DEPENDENCY_DETAIL, ATTR_DEPENDENCY_KIND, ATTR_SAMPLED],
      ['peer.service', 'toolforge.dependency.detail', 'toolforge.dependency.kind', 'toolforge.sampled'],
    );
  });
  it('carry node, kind and detail of a destination', () => {
    const destination = classifyDestination({ host: 'enwiki.web.db.svc.wikimedia.cloud' }, profileByName('toolforge'));
    assert.deepEqual(destinationAttributes(destination), {
      'peer.service': 'wmcs:wiki-replicas',
      'toolforge.dependency.kind': 'service',
      'toolforge.dependency.detail': 'enwiki',
    });
    assert.deepEqual(destinationAttributes({ node: 'xtools', kind: 'tool' }), {
      'peer.service': 'xtools',
      'toolforge.dependency.kind': 'tool',
    });
  });
});
