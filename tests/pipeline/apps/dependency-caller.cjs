// A tool for the end-to-end pipeline test: each GET /run makes a known set of calls, so
// the service-graph counts can be predicted exactly. Answers 500 if any call failed in
// an unexpected way (the test then knows the counts cannot hold).
//   CALLEE_URL                 another tool, e.g. http://beta.toolforge.org:<proxy port> (once)
//   REPLICA_WIKIS              e.g. enwiki,dewiki: one query each on <wiki>.analytics.db.svc.wikimedia.cloud/<wiki>_p
//   TOOLSDB_HOST               one query on database s51234__mytool
//   REDIS_HOST, REDIS_PORT     one GET
//   MEDIAWIKI_CALLS            e.g. en.wikipedia.org:1,de.wikipedia.org:2: GET /w/api.php that many times
//   MEDIAWIKI_PORT             port of the MediaWiki-like server
//   MEDIAWIKI_FAILING_HOST     one GET of a missing page there (HTTP 404: a failed call)
//   MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD
const http = require('node:http');
const https = require('node:https');
const mysql = require('mysql2/promise');
const IORedis = require('ioredis');

const env = process.env;
const list = (value) => (value ? value.split(',').filter(Boolean) : []);

function get(url) {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    lib
      .get(url, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
}

// Connections are opened once: only the queries of a run are spans the test counts.
const connections = new Map();
function connection(host, database) {
  const key = `${host}/${database}`;
  if (!connections.has(key)) {
    connections.set(key, mysql.createConnection({ host, port: Number(env.MYSQL_PORT), user: env.MYSQL_USER, password: env.MYSQL_PASSWORD, database }));
  }
  return connections.get(key);
}
let redis;

async function run() {
  const statuses = [];
  const expectStatus = (status, expected, what) => {
    if (status !== expected) throw new Error(`${what}: HTTP ${status}, expected ${expected}`);
    statuses.push(status);
  };
  if (env.CALLEE_URL) expectStatus(await get(`${env.CALLEE_URL}/hello`), 200, 'callee');
  for (const wiki of list(env.REPLICA_WIKIS)) {
    await (await connection(`${wiki}.analytics.db.svc.wikimedia.cloud`, `${wiki}_p`)).query('SELECT 1');
  }
  if (env.TOOLSDB_HOST) await (await connection(env.TOOLSDB_HOST, 's51234__mytool')).query('SELECT 1');
  if (redis) await redis.get('pipeline-test');
  for (const entry of list(env.MEDIAWIKI_CALLS)) {
    const [host, times] = entry.split(':');
    for (let i = 0; i < Number(times); i++) {
      expectStatus(await get(`https://${host}:${env.MEDIAWIKI_PORT}/w/api.php?action=query&format=json`), 200, host);
    }
  }
  if (env.MEDIAWIKI_FAILING_HOST) expectStatus(await get(`https://${env.MEDIAWIKI_FAILING_HOST}:${env.MEDIAWIKI_PORT}/w/no-such-page`), 404, 'failing call');
  return statuses.length;
}

const server = http.createServer((req, res) => {
  if (req.url !== '/run') {
    res.writeHead(404).end();
    return;
  }
  run().then(
    (n) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${n}`),
    (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`error: ${err.message}`),
  );
});
async function main() {
  if (env.REDIS_HOST) {
    // Connected before serving (outside any request, so no span), with no handshake
    // commands (ready check, client info): a run's only Redis call is its GET. Connecting
    // inside the first request would add a CONNECT span and replay the queued GET.
    redis = new IORedis({ host: env.REDIS_HOST, port: Number(env.REDIS_PORT), lazyConnect: true, maxRetriesPerRequest: 1, enableReadyCheck: false, disableClientInfo: true, protocol: 2 });
    await redis.connect();
  }
  server.listen(Number(env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
}
main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
