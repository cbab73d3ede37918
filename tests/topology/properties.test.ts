// Properties over generated input: the classifier is total, deterministic, and a node equals
// a valid tool name exactly when its kind is 'tool'.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
  classifyDestination,
  classifyPath,
  isReservedNodeName,
  isValidToolName,
  PROFILE_NAMES,
  profileByName,
  rulesFromConfig,
  withExtraRules,
  type Destination,
  type Profile,
} from '../../topology/index.js';

const KNOWN_SUFFIXES = [
  'toolforge.org', 'beta.toolforge.org', 'analytics.db.svc.wikimedia.cloud', 'web.db.svc.wikimedia.cloud',
  'db.svc.eqiad.wmflabs', 'labsdb', 'svc.tools.eqiad1.wikimedia.cloud', 'eqiad1.wikimedia.cloud', 'wmcloud.org',
  'wmflabs.org', 'wikipedia.org', 'wikidata.org', 'wikimedia.org', 'svc.tools.local', 'svc.toolsbeta.local',
  'svc.cluster.local', 'svc', 'wikimediacloud.org', 'eqiad.wmflabs', 'github.io', 'co.uk',
];

const label = fc.stringMatching(/^[a-zA-Z0-9_-]{1,70}$/);
const toolName = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,12}[a-z0-9])?$/);
const toolishLabel = fc.oneof(label, toolName, toolName.map((l) => `tool-${l}`), label.map((l) => `tool-${l}`), fc.constantFrom('s1', 's8', 'svc', 'm', 'kubernetes', 'default'));
const nameUnder = fc
  .tuple(fc.array(toolishLabel, { minLength: 0, maxLength: 3 }), fc.constantFrom(...KNOWN_SUFFIXES))
  .map(([labels, suffix]) => [...labels, suffix].join('.'));
const decorated = fc
  .tuple(fc.oneof(nameUnder, fc.domain(), fc.ipV4(), fc.ipV6()), fc.boolean(), fc.boolean(), fc.option(fc.integer({ min: -5, max: 70000 })))
  .map(([name, upper, dot, port]) => {
    let host = upper ? name.toUpperCase() : name;
    if (dot) host += '.';
    if (host.includes(':')) host = `[${host}]`;
    return port === null ? host : `${host}:${port}`;
  });
const anyHost = fc.oneof(decorated, nameUnder, fc.string(), fc.string({ unit: 'grapheme' }), fc.anything());
const target = fc.record(
  {
    host: anyHost,
    port: fc.oneof(fc.integer(), fc.anything()),
    path: fc.oneof(fc.constantFrom('/swift/v1/AUTH_proj/c', '/xtools/x', '/w/api.php'), fc.string(), fc.anything()),
    dbName: fc.oneof(fc.constantFrom('enwiki_p', 's51234__foo', 'ENWIKI_P', 'information_schema'), fc.string(), fc.anything()),
    dbSystem: fc.oneof(fc.constantFrom('mysql', 'redis'), fc.anything()),
  },
  { requiredKeys: [] },
);

// Templates that can render non-names: matches that would break the invariant must be skipped.
const extraRules = rulesFromConfig({
  rules: [
    { hostRegex: '^([^.]*)\\.example\\.org$', node: '{1}', kind: 'tool' },
    { hostSuffix: 'example.net', node: 'corp:{rest}', detail: '{dbName}' },
    { cidr: '203.0.113.0/24', node: 'corp:test-net', kind: 'external', detail: '{host}:{port}' },
  ],
});
const profiles: Profile[] = [...PROFILE_NAMES.map((name) => profileByName(name))];
profiles.push(withExtraRules(profileByName('toolforge'), extraRules));

function assertWellFormed(destination: Destination): void {
  assert.equal(typeof destination.node, 'string');
  assert.ok(['tool', 'service', 'external'].includes(destination.kind), `kind ${destination.kind}`);
  if (destination.kind === 'tool') {
    assert.ok(isValidToolName(destination.node), `tool node ${JSON.stringify(destination.node)} is a valid tool name`);
  } else {
    assert.ok(isReservedNodeName(destination.node), `node ${JSON.stringify(destination.node)} is reserved`);
    assert.ok(!isValidToolName(destination.node), `node ${JSON.stringify(destination.node)} can never be a tool`);
  }
  if ('detail' in destination) {
    assert.equal(typeof destination.detail, 'string');
    assert.ok(destination.detail!.length > 0 && destination.detail!.length <= 512, 'detail is short and non-empty');
  }
}

const runs = { numRuns: 3000 };

describe('classifyDestination properties', () => {
  for (const profile of profiles) {
    const label = `${profile.name}${profile.extraRules.length ? ' + extra rules' : ''}`;
    it(`${label}: total, deterministic, tool nodes only when kind is tool`, () => {
      fc.assert(
        fc.property(target, (t) => {
          const first = classifyDestination(t as never, profile);
          assertWellFormed(first);
          assert.deepEqual(classifyDestination(t as never, profile), first);
        }),
        runs,
      );
    });

    it(`${label}: case, a trailing dot and a port do not change the node`, () => {
      fc.assert(
        fc.property(fc.oneof(nameUnder, fc.domain()), fc.integer({ min: 1, max: 65535 }), (host, port) => {
          const plain = classifyDestination({ host }, profile);
          assert.deepEqual(classifyDestination({ host: `${host.toUpperCase()}.:${port}` }, profile), plain);
        }),
        runs,
      );
    });
  }

  it('arbitrary values as target or profile-free garbage never throw', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => assertWellFormed(classifyDestination(value as never, profiles[0]!))),
      runs,
    );
  });
});

describe('classifyPath properties', () => {
  const path = fc.oneof(
    fc.string(),
    fc
      .tuple(
        fc.constantFrom('/data/project/', '/data/scratch/', '/public/dumps/public/', '/mnt/nfs/dumps-', '/home/', '/', '//data/./project/../project/'),
        fc.string(),
      )
      .map(([prefix, rest]) => prefix + rest),
    fc.anything(),
  );
  for (const profile of profiles.slice(0, PROFILE_NAMES.length)) {
    it(`${profile.name}: total, deterministic, well-formed`, () => {
      fc.assert(
        fc.property(path, (p) => {
          const found = classifyPath(p as string, profile);
          if (found !== undefined) assertWellFormed(found);
          assert.deepEqual(classifyPath(p as string, profile), found);
        }),
        runs,
      );
    });
  }
});
