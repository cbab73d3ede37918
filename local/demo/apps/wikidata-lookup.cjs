// Demo tool (Node, traced by the preload): the quiet one. No end user ever opens it, but
// other tools call it for every page they serve; it reads the dewiki replica and Redis.
const http = require('node:http');
const mysql = require('mysql2/promise');
const Redis = require('ioredis');

const env = process.env;
const replica = mysql.createPool({ host: 'dewiki.analytics.db.svc.wikimedia.cloud', port: Number(env.MYSQL_PORT), user: env.MYSQL_USER, password: env.MYSQL_PASSWORD, database: 'dewiki_p', connectionLimit: 2 });
const redis = new Redis({ host: 'redis.svc.tools.eqiad1.wikimedia.cloud', port: Number(env.REDIS_PORT), lazyConnect: true, maxRetriesPerRequest: 1 });

http
  .createServer((req, res) => {
    Promise.all([replica.query('SELECT page_id FROM page LIMIT 1'), redis.incr('wikidata-lookup:hits')]).then(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"Q42"}'),
      (error) => res.writeHead(500).end(`${error.message}\n`),
    );
  })
  .listen(Number(env.PORT), '127.0.0.1', () => process.stdout.write(`listening ${env.PORT}\n`));
