// Extra rules from config: validation with precise messages, precedence, templates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parse } from 'yaml';

import {
  classifyDestination,
  profileByName,
  rulesFromConfig,
  TopologyConfigError,
  withExtraRules,
} from '../../topology/index.js';

const toolforge = profileByName('toolforge');

function problemsOf(config: unknown): readonly string[] {
  try {
    rulesFromConfig(config);
  } catch (error) {
    assert.ok(error instanceof TopologyConfigError, `a TopologyConfigError, got ${String(error)}`);
    assert.equal(error.message, `invalid topology rules: ${error.problems.join('; ')}`);
    return error.problems;
  }
  assert.fail(`accepted ${JSON.stringify(config)}`);
}

describe('extra rules', () => {
  it('the documented YAML example loads and classifies', () => {
    const config = parse(`
rules:
  # A project's web proxy is really that project.
  - hostSuffix: example.wmcloud.org
    node: cloudvps:example
    detail: "{host}"
  # The eqiad1 VM network, for the agent's IP-only connects.
  - cidr: 172.16.0.0/21
    node: local:eqiad1-vm
    kind: external
    detail: "{host}"
  # A well-known IP.
  - host: 185.15.56.49
    node: toolforge:front-proxy
  # Tools behind a vanity domain: the first label is the tool.
  - hostRegex: '^(?<tool>[a-z0-9-]+)\\.tools\\.example$'
    node: "{tool}"
    kind: tool
`);
    const profile = withExtraRules(toolforge, rulesFromConfig(config));
    assert.equal(profile.extraRules.length, 4);
    assert.deepEqual(classifyDestination({ host: 'api.example.wmcloud.org' }, profile), {
      node: 'cloudvps:example', kind: 'service', detail: 'api.example.wmcloud.org',
    });
    assert.deepEqual(classifyDestination({ host: '172.16.3.4:3306' }, profile), {
      node: 'local:eqiad1-vm', kind: 'external', detail: '172.16.3.4',
    });
    assert.deepEqual(classifyDestination({ host: '185.15.56.49' }, profile), { node: 'toolforge:front-proxy', kind: 'service' });
    assert.deepEqual(classifyDestination({ host: 'Geohack.Tools.Example' }, profile), { node: 'geohack', kind: 'tool' });
    // Untouched names keep their built-in classification.
    assert.deepEqual(classifyDestination({ host: 'other.wmcloud.org' }, profile), {
      node: 'wmcs:web-proxy', kind: 'service', detail: 'other.wmcloud.org',
    });
  });

  it('take precedence over built-in rules; the first matching rule wins', () => {
    const profile = withExtraRules(
      toolforge,
      rulesFromConfig([
        { host: 'en.wikipedia.org', node: 'wikimedia:enwiki-special' },
        { hostSuffix: 'wikipedia.org', node: 'wikimedia:other-wikipedia', detail: '{rest}' },
        { hostSuffix: 'de.wikipedia.org', node: 'wikimedia:never-reached' },
      ]),
    );
    assert.deepEqual(classifyDestination({ host: 'EN.wikipedia.org.' }, profile), { node: 'wikimedia:enwiki-special', kind: 'service' });
    assert.deepEqual(classifyDestination({ host: 'de.wikipedia.org' }, profile), {
      node: 'wikimedia:other-wikipedia', kind: 'service', detail: 'de',
    });
    assert.deepEqual(classifyDestination({ host: 'wikipedia.org' }, profile), { node: 'wikimedia:other-wikipedia', kind: 'service' });
    assert.deepEqual(classifyDestination({ host: 'en.wikipedia.org' }, toolforge), {
      node: 'wikimedia:mediawiki', kind: 'service', detail: 'en.wikipedia.org',
    }, 'the base profile is unchanged');
  });

  it('file order decides between every kind of matcher', () => {
    const profile = withExtraRules(
      toolforge,
      rulesFromConfig([
        { hostRegex: '^api\\.', node: 'corp:regex' },
        { hostSuffix: 'example.org', node: 'corp:suffix' },
        { host: 'api.example.org', node: 'corp:exact' },
        { host: 'www.example.org', node: 'corp:exact-www' },
        { cidr: '203.0.113.0/24', node: 'corp:cidr' },
        { host: '203.0.113.7', node: 'corp:exact-ip' },
      ]),
    );
    const node = (host: string): string => classifyDestination({ host }, profile).node;
    assert.equal(node('api.example.org'), 'corp:regex');
    assert.equal(node('www.example.org'), 'corp:suffix');
    assert.equal(node('example.org'), 'corp:suffix');
    assert.equal(node('203.0.113.7'), 'corp:cidr');
    assert.equal(node('api.other.net'), 'corp:regex');
  });

  it('withExtraRules appends: earlier rules stay first', () => {
    const first = withExtraRules(toolforge, rulesFromConfig([{ hostSuffix: 'example.org', node: 'corp:first' }]));
    const both = withExtraRules(first, rulesFromConfig([{ hostSuffix: 'example.org', node: 'corp:second' }]));
    assert.equal(classifyDestination({ host: 'a.example.org' }, both).node, 'corp:first');
  });

  it('templates: {host} {label} {port} {dbName} {dbSystem}, {rest}, regex groups', () => {
    const profile = withExtraRules(
      toolforge,
      rulesFromConfig({
        rules: [
          { hostRegex: '^db-(\\d+)\\.corp$', node: 'corp:db', detail: '{1}/{dbSystem}/{dbName}:{port}' },
          { hostSuffix: 'corp', node: 'corp:{label}', detail: '{rest}' },
        ],
      }),
    );
    assert.deepEqual(classifyDestination({ host: 'db-7.corp', port: 3306, dbSystem: 'mysql', dbName: 'x' }, profile), {
      node: 'corp:db', kind: 'service', detail: '7/mysql/x:3306',
    });
    assert.deepEqual(classifyDestination({ host: 'db-7.corp:5432' }, profile), {
      node: 'corp:db', kind: 'service', detail: '7//:5432',
    });
    assert.deepEqual(classifyDestination({ host: 'a.b.corp' }, profile), { node: 'corp:a', kind: 'service', detail: 'a.b' });
  });

  it('a match whose template renders no valid node is skipped', () => {
    const profile = withExtraRules(
      toolforge,
      rulesFromConfig([
        { hostRegex: '^([^.]+)\\.vanity\\.org$', node: '{1}', kind: 'tool' },
        { hostSuffix: 'vanity.org', node: 'corp:vanity' },
      ]),
    );
    assert.deepEqual(classifyDestination({ host: 'good-tool.vanity.org' }, profile), { node: 'good-tool', kind: 'tool' });
    assert.deepEqual(classifyDestination({ host: 'bad_tool.vanity.org' }, profile), { node: 'corp:vanity', kind: 'service' });
  });

  it('no rules: null, undefined, empty list, empty object', () => {
    for (const config of [null, undefined, [], {}, { rules: [] }]) assert.deepEqual(rulesFromConfig(config), []);
  });

  const bad: [string, unknown, string[]][] = [
    ['not an object', 'rules', ['expected an object with a "rules" list, got the string "rules"']],
    ['rules not a list', { rules: { host: 'x' } }, ['rules: expected a list, got object']],
    ['unknown top-level field', { rule: [] }, ['unknown field "rule" (expected only "rules")']],
    ['entry not an object', [42], ['rules[0]: expected an object, got number']],
    ['no matcher', [{ node: 'corp:x' }], ['rules[0]: needs exactly one of host, hostSuffix, hostRegex, cidr']],
    [
      'two matchers',
      [{ host: 'a.org', hostSuffix: 'b.org', node: 'corp:x' }],
      ['rules[0]: has host and hostSuffix; exactly one matcher is allowed'],
    ],
    [
      'typo in a field name, bad kind, missing node (all reported)',
      [{ hostSuffix: 'ok.org', nod: 'corp:x', kind: 'srvice' }],
      [
        'rules[0]: unknown field "nod" (expected host, hostSuffix, hostRegex, cidr, node, kind, detail)',
        'rules[0].kind: must be one of tool, service, external (got "srvice")',
        'rules[0].node: expected a non-empty string, got undefined',
      ],
    ],
    ['empty matcher', [{ host: '', node: 'corp:x' }], ['rules[0].host: expected a non-empty string, got the string ""']],
    ['host with a port', [{ host: 'a.org:80', node: 'corp:x' }], ['rules[0].host: "a.org:80" is not a host name or IP address (no port allowed)']],
    ['bad host', [{ host: 'a b', node: 'corp:x' }], ['rules[0].host: "a b" is not a host name or IP address']],
    ['IP as suffix', [{ hostSuffix: '10.0.0.1', node: 'corp:x' }], ['rules[0].hostSuffix: "10.0.0.1" is not a domain name']],
    ['bad regex', [{ hostRegex: '(', node: 'corp:x' }], ['rules[0].hostRegex: invalid regular expression: Invalid regular expression: /(/: Unterminated group']],
    ['bad cidr', [{ cidr: '10.0.0.0/33', node: 'corp:x' }], ['rules[0].cidr: "10.0.0.0/33" is not a CIDR block like 172.16.0.0/21 or fd00::/8']],
    ['cidr without prefix', [{ cidr: '10.0.0.0', node: 'corp:x' }], ['rules[0].cidr: "10.0.0.0" is not a CIDR block like 172.16.0.0/21 or fd00::/8']],
    [
      'service node that could be a tool',
      [{ host: 'a.org', node: 'mytool' }],
      ['rules[0].node: "mytool" must be a reserved name "<realm>:<name>" (lowercase; the \':\' keeps it apart from tool names) when kind is service'],
    ],
    ['invalid tool name', [{ host: 'a.org', node: 'My_Tool', kind: 'tool' }], ['rules[0].node: "My_Tool" is not a valid tool name (a DNS label: a-z, 0-9, \'-\')']],
    [
      'unknown placeholder',
      [{ hostSuffix: 'a.org', node: 'corp:x', detail: '{hots}' }],
      ['rules[0].detail: unknown placeholder {hots} (available: {host} {label} {port} {dbName} {dbSystem} {rest})'],
    ],
    [
      'regex group placeholder out of range',
      [{ hostRegex: '^(a)\\.org$', node: 'corp:{2}' }],
      ['rules[0].node: unknown placeholder {2} (available: {host} {label} {port} {dbName} {dbSystem} {1})'],
    ],
    [
      'problems of several rules, each by index',
      [{ host: 'fine.org', node: 'corp:fine' }, { host: 'x.org', node: 'corp:x', kind: 7 }, { cidr: 'nope', node: 'corp:y' }],
      ['rules[1].kind: must be one of tool, service, external (got 7)', 'rules[2].cidr: "nope" is not a CIDR block like 172.16.0.0/21 or fd00::/8'],
    ],
  ];
  for (const [name, config, expected] of bad) {
    it(`rejects: ${name}`, () => assert.deepEqual(problemsOf(config), expected));
  }
});
