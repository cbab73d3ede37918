// Demo tool (Node, traced by the preload): a web tool. Each page view reads the enwiki
// replica and its ToolsDB database, checks Redis, asks the English Wikipedia's API, and
// asks the quiet wikidata-lookup tool through the front proxy.
const http = require('node:http');
const https = require('node:https');
const mysql = require('mysql2/promise');
const Redis = require('ioredis');

const env = process.env;
const db = (host, database) => mysql.createPool({ host, port: Number(env.MYSQL_PORT), user: env.MYSQL_USER, password: env.MYSQL_PASSWORD, database, connectionLimit: 2 });
const replica = db('enwiki.analytics.db.svc.wikimedia.cloud', 'enwiki_p');
const toolsdb = db('tools.db.svc.wikimedia.cloud', env.TOOLSDB_DATABASE);
const redis = new Redis({ host: 'redis.svc.tools.eqiad1.wikimedia.cloud', port: Number(env.REDIS_PORT), lazyConnect: true, maxRetriesPerRequest: 1 });

function get(url) {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    lib.get(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

async function page() {
  await replica.query('SELECT page_title FROM page LIMIT 1');
  await toolsdb.query('SELECT COUNT(*) FROM hunts');
  await redis.get('citation-hunt:last');
  await get(`https://en.wikipedia.org:${env.WIKI_PORT}/w/api.php?action=query&list=random&format=json`);
  await get(`http://wikidata-lookup.toolforge.org:${env.FRONT_PROXY_PORT}/lookup?q=Q42`);
}

http
  .createServer((req, res) => {
    page().then(
      () => res.writeHead(200, { 'content-type': 'text/plain' }).end('a citation to hunt\n'),
      (error) => res.writeHead(500).end(`${error.message}\n`),
    );
  })
  .listen(Number(env.PORT), '127.0.0.1', () => process.stdout.write(`listening ${env.PORT}\n`));
