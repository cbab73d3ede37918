// Who a tool is: namespaces, Unix accounts, tool names, Cloud VPS VMs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  classifyDestination,
  cloudVpsIdentity,
  isValidToolName,
  namespaceOfTool,
  profileByName,
  toolFromNamespace,
  toolFromUnixUser,
} from '../../topology/index.js';

const toolforge = profileByName('toolforge');

describe('tool names', () => {
  const valid = ['foo', 'xtools', 'tf-test', 'tf-test2', 'a', '0', 'a-b-c', '123abc', 'a'.repeat(58)];
  const invalid = ['', '-foo', 'foo-', 'Foo', 'foo_bar', 'foo.bar', 'a'.repeat(59), 'föö', ' foo', 'foo ', 'tool:x', 42, null];
  for (const name of valid) it(`${JSON.stringify(name)} is a valid tool name`, () => assert.ok(isValidToolName(name)));
  for (const name of invalid) it(`${JSON.stringify(name)} is not`, () => assert.equal(isValidToolName(name), false));
});

describe('toolFromNamespace', () => {
  const rows: [string, string | undefined][] = [
    ['tool-foo', 'foo'],
    ['tool-tf-test', 'tf-test'],
    ['tool-tf-test2', 'tf-test2'],
    ['tool-xtools', 'xtools'],
    ['tool-', undefined],
    ['tool', undefined],
    ['tools-foo', undefined],
    ['kube-system', undefined],
    ['default', undefined],
    ['jobs-api', undefined],
    ['image-build', undefined],
    ['Tool-foo', undefined],
    ['tool-Foo', undefined],
    ['tool-foo_bar', undefined],
    ['tool--foo', undefined],
  ];
  for (const [namespace, tool] of rows) {
    it(`${JSON.stringify(namespace)} -> ${tool ?? 'not a tool'}`, () => assert.equal(toolFromNamespace(namespace, toolforge), tool));
  }
  it('is the same in toolsbeta and lima-kilo; Cloud VPS has no namespaces', () => {
    assert.equal(toolFromNamespace('tool-tf-test', profileByName('lima-kilo')), 'tf-test');
    assert.equal(toolFromNamespace('tool-foo', profileByName('toolsbeta')), 'foo');
    assert.equal(toolFromNamespace('tool-foo', profileByName('cloudvps')), undefined);
    assert.equal(toolFromNamespace(undefined as unknown as string, toolforge), undefined);
  });
  it('namespaceOfTool is its inverse', () => {
    assert.equal(namespaceOfTool('foo'), 'tool-foo');
    assert.equal(namespaceOfTool('Foo'), undefined);
    for (const tool of ['foo', 'tf-test', 'a'.repeat(58)]) assert.equal(toolFromNamespace(namespaceOfTool(tool)!, toolforge), tool);
    assert.ok(namespaceOfTool('a'.repeat(58))!.length <= 63, 'the namespace of the longest tool name is a DNS label');
  });
});

describe('toolFromUnixUser', () => {
  it('maps the tool account of each Toolforge', () => {
    assert.equal(toolFromUnixUser('tools.xtools', toolforge), 'xtools');
    assert.equal(toolFromUnixUser('toolsbeta.xtools', profileByName('toolsbeta')), 'xtools');
    assert.equal(toolFromUnixUser('local.tf-test', profileByName('lima-kilo')), 'tf-test');
  });
  it('anything else is no tool', () => {
    for (const user of ['root', 'tools.', 'tools.Foo', 'toolsbeta.xtools', 'xtools', 'tools.a.b', '']) {
      assert.equal(toolFromUnixUser(user, toolforge), undefined, user);
    }
    assert.equal(toolFromUnixUser('tools.xtools', profileByName('cloudvps')), undefined);
  });
});

describe('cloudVpsIdentity', () => {
  it('reads project and VM from the fully qualified name', () => {
    assert.deepEqual(cloudVpsIdentity('web-1.myproject.eqiad1.wikimedia.cloud'), {
      vm: 'web-1', project: 'myproject', serviceName: 'cloudvps:myproject',
    });
    assert.deepEqual(cloudVpsIdentity('Bastion.MyProject.eqiad.wmflabs.'), {
      vm: 'bastion', project: 'myproject', serviceName: 'cloudvps:myproject',
    });
    assert.deepEqual(cloudVpsIdentity('cloudvirt-test.testlabs.codfw1dev.wikimedia.cloud'), {
      vm: 'cloudvirt-test', project: 'testlabs', serviceName: 'cloudvps:testlabs',
    });
  });
  it('its service name is the node callers classify the VM as', () => {
    const host = 'web-1.myproject.eqiad1.wikimedia.cloud';
    assert.equal(classifyDestination({ host }, profileByName('cloudvps')).node, cloudVpsIdentity(host)!.serviceName);
    assert.equal(classifyDestination({ host }, toolforge).node, cloudVpsIdentity(host)!.serviceName);
  });
  it('anything that is not a VM name is undefined', () => {
    for (const name of ['localhost', 'web-1', 'a.svc.eqiad1.wikimedia.cloud', 'x.y.z.eqiad1.wikimedia.cloud', '172.16.0.1', '', 'en.wikipedia.org']) {
      assert.equal(cloudVpsIdentity(name), undefined, name);
    }
  });
});
