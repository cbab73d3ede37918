// The hand-written IP parser against Node's own (net.isIP, net.BlockList) as the reference.
import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { formatIpv6, inRange, parseIpRange, parseIpv4, parseIpv6 } from '../../topology/ip-address.js';

const hexGroup = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
// Text forms of IPv6 with a zero run compressed somewhere, upper/lower case, optional IPv4 tail.
const ipv6Text = fc
  .tuple(fc.array(hexGroup, { minLength: 8, maxLength: 8 }), fc.integer({ min: -1, max: 7 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), fc.option(fc.ipV4()))
  .map(([groups, start, length, upper, tail]) => {
    const words = tail === null ? groups : groups.slice(0, 6);
    let text: string;
    if (start < 0 || start >= words.length) text = words.join(':');
    else {
      const end = Math.min(words.length, start + length);
      text = `${words.slice(0, start).join(':')}::${words.slice(end).join(':')}`;
    }
    if (tail !== null) text += (text.endsWith(':') ? '' : ':') + tail;
    return upper ? text.toUpperCase() : text;
  });
const noise = fc.oneof(fc.string({ maxLength: 50 }), fc.stringMatching(/^[0-9a-fA-F:.]{0,45}$/));

describe('IP parsing agrees with node:net', () => {
  it('IPv4: valid exactly when net.isIP says 4', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended(), noise), (text) => {
        assert.equal(parseIpv4(text) !== undefined, isIP(text) === 4, text);
      }),
      { numRuns: 5000 },
    );
  });

  it('IPv6: valid exactly when net.isIP says 6', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Text, fc.ipV6(), noise), (text) => {
        assert.equal(parseIpv6(text) !== undefined, isIP(text) === 6, text);
      }),
      { numRuns: 5000 },
    );
  });

  it('canonical IPv6 text round-trips and is what node parses to the same bytes', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Text, fc.ipV6()), (text) => {
        const bytes = parseIpv6(text)!;
        const canonical = formatIpv6(bytes);
        assert.deepEqual(parseIpv6(canonical), bytes);
        const list = new BlockList();
        list.addAddress(canonical, 'ipv6');
        assert.ok(list.check(text, 'ipv6'), `${text} = ${canonical}`);
      }),
      { numRuns: 3000 },
    );
    assert.equal(formatIpv6(parseIpv6('2620:0:861:ED1A:0:0:0:1')!), '2620:0:861:ed1a::1');
    assert.equal(formatIpv6(parseIpv6('0:0:0:0:0:0:0:1')!), '::1');
    assert.equal(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3')!), '1:0:0:2::3');
    assert.equal(formatIpv6(parseIpv6('1:0:2:3:4:5:6:7')!), '1:0:2:3:4:5:6:7');
  });

  it('prefix tests agree with BlockList.addSubnet/check', () => {
    const v4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4());
    const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6());
    fc.assert(
      fc.property(fc.oneof(v4.map((t) => [...t, 4] as const), v6.map((t) => [...t, 6] as const)), ([network, prefix, address, version]) => {
        const list = new BlockList();
        list.addSubnet(network, prefix, version === 4 ? 'ipv4' : 'ipv6');
        const range = parseIpRange(`${network}/${prefix}`)!;
        const bytes = (version === 4 ? parseIpv4(address) : parseIpv6(address))!;
        assert.equal(inRange(bytes, version, range), list.check(address, version === 4 ? 'ipv4' : 'ipv6'), `${address} in ${network}/${prefix}`);
        // An address is always in its own /max network.
        assert.ok(inRange(bytes, version, parseIpRange(`${address}/${version === 4 ? 32 : 128}`)!));
      }),
      { numRuns: 5000 },
    );
  });

  it('malformed ranges are refused', () => {
    for (const text of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0/8', 'x/8', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/9']) {
      assert.equal(parseIpRange(text), undefined, text);
    }
  });
});
