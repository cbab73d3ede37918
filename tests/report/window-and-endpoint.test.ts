/** The pure parts of the report's input: the evidence window and the query URL under a path prefix. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReportError } from '../../report/errors.js';
import { queryEndpoint } from '../../report/prometheus.js';
import { durationSeconds, humanDuration, parseWindow } from '../../report/window.js';

const now = new Date('2026-11-01T12:00:00Z');

test('--since is a duration back from --until, or an instant; --until a duration back from now, or an instant', () => {
  assert.deepEqual(parseWindow('7d', undefined, now), { since: new Date('2026-10-25T12:00:00Z'), until: now, seconds: 7 * 86_400 });
  assert.deepEqual(parseWindow('36h', '2026-11-01T00:00:00Z', now), { since: new Date('2026-10-30T12:00:00Z'), until: new Date('2026-11-01T00:00:00Z'), seconds: 36 * 3600 });
  assert.deepEqual(parseWindow('2026-10-01T00:00:00Z', '1d', now).until, new Date('2026-10-31T12:00:00Z'));
  assert.equal(parseWindow('1w2d', undefined, now).seconds, 9 * 86_400);
  assert.throws(() => parseWindow('7 days', undefined, now), (e: Error) => e instanceof ReportError && /--since "7 days": give a duration/.test(e.message));
  assert.throws(() => parseWindow('2026-10-01', undefined, now), ReportError, 'a date without a time and offset is refused');
  assert.throws(() => parseWindow('2026-11-02T00:00:00Z', undefined, now), /shorter than a minute: --since must be before --until/);
  assert.equal(durationSeconds('90m'), 5400);
  assert.equal(durationSeconds('x'), undefined);
  assert.equal(humanDuration(7 * 86_400), '7d');
  assert.equal(humanDuration(5400), '90m');
});

test('the query URL keeps a path prefix (Thanos, Mimir) and refuses what is not http(s)', () => {
  assert.equal(queryEndpoint('http://prometheus:9090').href, 'http://prometheus:9090/api/v1/query');
  assert.equal(queryEndpoint('https://mimir.example/prometheus/').href, 'https://mimir.example/prometheus/api/v1/query');
  assert.equal(queryEndpoint('https://thanos.example/a/b').href, 'https://thanos.example/a/b/api/v1/query');
  assert.throws(() => queryEndpoint('prometheus:9090'), /only http and https URLs/);
  assert.throws(() => queryEndpoint('not a url'), /is not a URL/);
});
