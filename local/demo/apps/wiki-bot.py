# Demo tool (Python, seen by the eBPF agent): a bot job. Every round it reads the dewiki
# replica, edits nothing but asks the German Wikipedia's API (requests, one Session),
# asks the wikidata-lookup tool through the front proxy, and keeps a counter in Redis.
import os
import time

import pymysql
import redis
import requests

env = os.environ
session = requests.Session()
session.verify = env["WIKI_CA_FILE"]
cache = redis.Redis(host="redis.svc.tools.eqiad1.wikimedia.cloud", port=int(env["REDIS_PORT"]))
interval = float(env.get("ROUND_SECONDS", "2"))

print("started", flush=True)
while True:
    try:
        replica = pymysql.connect(host="dewiki.analytics.db.svc.wikimedia.cloud", port=int(env["MYSQL_PORT"]),
                                  user=env["MYSQL_USER"], password=env["MYSQL_PASSWORD"], database="dewiki_p")
        with replica.cursor() as cursor:
            cursor.execute("SELECT page_id FROM page LIMIT 1")
        replica.close()
        session.get(f"https://de.wikipedia.org:{env['WIKI_PORT']}/w/api.php?action=query&meta=siteinfo&format=json", timeout=5)
        requests.get(f"http://wikidata-lookup.toolforge.org:{env['FRONT_PROXY_PORT']}/lookup?q=Q64", timeout=5)
        cache.incr("wiki-bot:rounds")
    except Exception as error:  # a demo bot keeps going, as real ones do
        print(f"round failed: {error}", flush=True)
    time.sleep(interval)
