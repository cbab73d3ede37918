// The forms a host arrives in: case, trailing dot, ports, IPv6 brackets, IP literals, garbage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifyDestination, profileByName, type Destination } from '../../topology/index.js';

const toolforge = profileByName('toolforge');
const classify = (host: unknown, extra: object = {}): Destination =>
  classifyDestination({ host, ...extra } as { host: string }, toolforge);

describe('host forms', () => {
  const sameAsPlain: [string, string][] = [
    ['EN.WIKIPEDIA.ORG', 'en.wikipedia.org'],
    ['en.wikipedia.org.', 'en.wikipedia.org'],
    ['en.wikipedia.org:443', 'en.wikipedia.org'],
    ['En.Wikipedia.Org.:443', 'en.wikipedia.org'],
    ['  en.wikipedia.org  ', 'en.wikipedia.org'],
    ['en.wikipedia.org\n', 'en.wikipedia.org'],
    ['user:secret@en.wikipedia.org:443', 'en.wikipedia.org'],
    ['Redis.Svc.Tools.Eqiad1.Wikimedia.Cloud.', 'redis.svc.tools.eqiad1.wikimedia.cloud'],
    ['XTOOLS.TOOLFORGE.ORG:443', 'xtools.toolforge.org'],
  ];
  for (const [variant, plain] of sameAsPlain) {
    it(`${JSON.stringify(variant)} is classified like ${plain}`, () => {
      assert.deepEqual(classify(variant), classify(plain));
    });
  }

  it('internationalized names are matched in punycode', () => {
    assert.deepEqual(classify('bücher.example'), { node: 'external:internet', kind: 'external', detail: 'xn--bcher-kva.example' });
  });

  const ips: [string, Destination][] = [
    ['127.0.0.1', { node: 'local:loopback', kind: 'external' }],
    ['127.0.0.1:6379', { node: 'local:loopback', kind: 'external' }],
    ['::1', { node: 'local:loopback', kind: 'external' }],
    ['[::1]:8080', { node: 'local:loopback', kind: 'external' }],
    ['[::ffff:127.0.0.1]:80', { node: 'local:loopback', kind: 'external' }],
    ['10.64.0.5', { node: 'local:private-ip', kind: 'external', detail: '10.64.0.5' }],
    ['172.16.1.20:3306', { node: 'local:private-ip', kind: 'external', detail: '172.16.1.20' }],
    ['192.168.10.3', { node: 'local:private-ip', kind: 'external', detail: '192.168.10.3' }],
    ['[fd00::1]:443', { node: 'local:private-ip', kind: 'external', detail: 'fd00::1' }],
    ['fe80::1%eth0', { node: 'local:private-ip', kind: 'external', detail: 'fe80::1' }],
    ['185.15.56.1', { node: 'external:ip', kind: 'external', detail: '185.15.56.1' }],
    ['[2620:0:861:ed1a::1]:443', { node: 'external:ip', kind: 'external', detail: '2620:0:861:ed1a::1' }],
    ['2620:0:861:ED1A::1', { node: 'external:ip', kind: 'external', detail: '2620:0:861:ed1a::1' }],
    ['[::ffff:8.8.8.8]', { node: 'external:ip', kind: 'external', detail: '8.8.8.8' }],
  ];
  for (const [host, expected] of ips) {
    it(`IP literal ${host} -> ${expected.node}`, () => assert.deepEqual(classify(host), expected));
  }

  const garbage: unknown[] = [
    undefined, null, '', ' ', ':', '[', '[::1', '[::1]x', '[nonsense]:80', 'host:', 'host:99999', 'host:-1',
    'host:80:90', 'a..b', '.', '..', 'exa mple.org', 'foo/bar', 'x'.repeat(300), 'a'.repeat(64) + '.org',
    '\u0000', 'a\nb.org', '-', 42, {}, [], Symbol('s'),
  ];
  for (const host of garbage) {
    it(`garbage host ${String(typeof host === 'string' ? JSON.stringify(host).slice(0, 40) : String(host))} -> unknown:destination`, () => {
      assert.deepEqual(classify(host), { node: 'unknown:destination', kind: 'external' });
    });
  }

  it('a target that is not an object, or throws, gives unknown:destination', () => {
    for (const target of [undefined, null, 'en.wikipedia.org', 7]) {
      assert.deepEqual(classifyDestination(target as never, toolforge), { node: 'unknown:destination', kind: 'external' });
    }
    const hostile = Object.defineProperty({}, 'host', { get: () => { throw new Error('boom'); } });
    assert.deepEqual(classifyDestination(hostile, toolforge), { node: 'unknown:destination', kind: 'external' });
  });

  it('without a usable host, the database system is the only detail', () => {
    assert.deepEqual(classifyDestination({ dbSystem: 'sqlite' }, toolforge), { node: 'unknown:destination', kind: 'external', detail: 'sqlite' });
    assert.deepEqual(classifyDestination({ host: '/run/mysqld/mysqld.sock', dbSystem: 'mysql' }, toolforge), {
      node: 'unknown:destination', kind: 'external', detail: 'mysql',
    });
    assert.deepEqual(classifyDestination({ dbSystem: 'Not A System' }, toolforge), { node: 'unknown:destination', kind: 'external' });
  });

  it('returns a fresh object each call (callers may add to it)', () => {
    const first = classify('redis.svc.tools.eqiad1.wikimedia.cloud');
    (first as { detail?: string }).detail = 'changed';
    assert.deepEqual(classify('redis.svc.tools.eqiad1.wikimedia.cloud'), { node: 'toolforge:redis', kind: 'service' });
  });
});
