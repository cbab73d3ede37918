// A preloaded tool using `pg` against a real PostgreSQL server (Debian postgresql), by
// the name of a Cloud VPS Trove database resolved to loopback in a private hosts
// namespace: every query is one CLIENT span named by topology (peer.service, detail,
// kind) with its SQL literals scrubbed, and connecting is no span (not an edge).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { classifyDestination, profileByName } from '../../topology/index.js';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';
import { privateHosts } from '../support/private-hosts.js';
import { startProcess, type ManagedProcess } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { fixtureApp, startToolforgeWorld, type ToolforgeWorld } from '../support/toolforge-world.js';
import { settledSpans } from './settled-spans.js';
import { clientSpans, serverSpans, statementOf } from './span-queries.js';

/** A Trove (database as a service) instance of a Cloud VPS project, as Trove names them. */
const TROVE_HOST = 'mzdbqk7xfu.svc.trove.eqiad1.wikimedia.cloud';
const TOOL = 'osm-lookup';
const SECRETS = ['Secret_Place', 'alice@example.org', 'bob@example.org', 'trove-password', '42'];

describe('preload with pg against a real PostgreSQL (Trove database)', () => {
  let world: ToolforgeWorld;
  let postgres: PostgresServer;
  let app: ManagedProcess;
  let hostsDir: TempDir;
  let result: Record<string, unknown>;
  let spans: ReceivedSpan[];
  const expected = classifyDestination({ host: TROVE_HOST, port: 5432, dbSystem: 'postgresql', dbName: 'osm' }, profileByName('toolforge'));

  before(async () => {
    world = await startToolforgeWorld({ tools: [TOOL] });
    postgres = await startPostgres();
    await postgres.sql(`
      CREATE USER osmtool PASSWORD 'trove-password';
      CREATE DATABASE osm OWNER osmtool;
      \\connect osm
      SET ROLE osmtool;
      CREATE TABLE places (id int PRIMARY KEY, name text);
      INSERT INTO places VALUES (42, 'Secret_Place');
      CREATE TABLE notes (owner text, note text);
      INSERT INTO notes VALUES ('alice@example.org', 'hello');
    `);
    hostsDir = await makeTempDir('pg-hosts');
    const inWorld = await privateHosts(hostsDir.path, { [TROVE_HOST]: '127.0.0.1' });
    const env = world.toolEnv(TOOL, { PG_HOST: TROVE_HOST, PG_PORT: String(postgres.port), PG_USER: 'osmtool', PG_PASSWORD: 'trove-password', PG_DATABASE: 'osm' });
    env.NODE_OPTIONS = `--require ${world.preload}`;
    app = startProcess(inWorld({ name: 'pg tool', command: nodeBinary(DEFAULT_NODE), args: [fixtureApp('pg-tool/app.cjs')], env }));
    const port = Number((await app.waitForOutput(/listening (\d+)/))[1]);
    const res = await fetch(`http://127.0.0.1:${port}/work`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    result = JSON.parse(text) as Record<string, unknown>;
    await world.receiver.waitFor((all) => serverSpans(all, TOOL).length > 0 && clientSpans(all, TOOL).length >= 3, 20000, 'the pg spans');
    spans = await settledSpans(world.receiver);
    await app.stop();
  });
  after(async () => {
    await app?.stop();
    await postgres?.stop();
    await world?.stop();
    await hostsDir?.remove();
  });

  it('the app really ran its queries', () => {
    assert.deepEqual(result, { place: [{ name: 'Secret_Place' }], notes: [{ note: 'hello' }], pooled: [{ n: 1 }] });
  });

  it('names the Trove database a Cloud VPS service, not external and not a tool', () => {
    assert.equal(expected.node, 'cloudvps:trove');
    assert.equal(expected.kind, 'service');
  });

  it('records each query as one CLIENT span named by topology, with SQL literals scrubbed', () => {
    const client = clientSpans(spans, TOOL);
    assert.deepEqual(
      client.map((s) => statementOf(s)),
      ['SELECT name FROM places WHERE name = ? AND id = ?', 'SELECT note FROM notes WHERE owner = $1', 'SELECT count(*)::int AS n FROM notes WHERE owner <> ?'],
      client.map((s) => s.name).join(', '),
    );
    for (const s of client) {
      assert.equal(s.attributes['peer.service'], expected.node, s.name);
      assert.equal(s.attributes['toolforge.dependency.kind'], expected.kind, s.name);
      assert.equal(s.attributes['toolforge.dependency.detail'], expected.detail, s.name);
      assert.equal(s.attributes['db.system.name'], 'postgresql');
      assert.equal(s.attributes['db.namespace'], 'osm');
    }
  });

  it('records no connect span (Client.connect, Pool checkout): connecting is not an edge', () => {
    assert.deepEqual(clientSpans(spans, TOOL).filter((s) => /connect/.test(s.name)).map((s) => s.name), []);
  });

  it('exports no literal, parameter value or password', () => {
    const exported = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, resource: s.resource })));
    for (const secret of SECRETS) assert.ok(!new RegExp(`\\b${secret.replace(/[.@]/g, '\\$&')}\\b`).test(exported), `"${secret}" left the pod: ${exported}`);
  });
});
