// The Host header of an incoming request as the SERVER span's server.address and
// server.port (preload/server/host-header.ts): names, ports and IPv6 literals kept, anything
// malformed left out rather than guessed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { setHostAndPort } from '../../preload/server/host-header.js';

function parsed(header: string | undefined): { host: string | undefined; port: number | undefined } {
  const facts = { host: undefined, port: undefined };
  setHostAndPort(facts, header);
  return facts;
}

describe('setHostAndPort', () => {
  const table: Array<[string | undefined, string | undefined, number | undefined]> = [
    ['mytool.toolforge.org', 'mytool.toolforge.org', undefined],
    ['mytool.toolforge.org:8000', 'mytool.toolforge.org', 8000],
    ['127.0.0.1:65535', '127.0.0.1', 65535],
    ['[::1]', '[::1]', undefined],
    ['[2001:db8::1]:443', '[2001:db8::1]', 443],
    [undefined, undefined, undefined],
    // Malformed: nothing is recorded.
    ['::1', undefined, undefined],
    ['a:b:80', undefined, undefined],
    ['host:', undefined, undefined],
    ['host:0', undefined, undefined],
    ['host:65536', undefined, undefined],
    ['host:80x', undefined, undefined],
    ['host:8.5', undefined, undefined],
  ];
  for (const [header, host, port] of table) {
    it(`${JSON.stringify(header)} -> ${String(host)} ${String(port)}`, () => {
      assert.deepEqual(parsed(header), { host, port });
    });
  }

  it('reads back any DNS name or IPv6 literal with any valid port', () => {
    const name = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`));
    fc.assert(
      fc.property(name, fc.integer({ min: 1, max: 65535 }), (host, port) => {
        assert.deepEqual(parsed(`${host}:${port}`), { host, port });
        assert.deepEqual(parsed(host), { host, port: undefined });
      }),
    );
  });
});
