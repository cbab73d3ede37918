#!/bin/sh
# Demo tool (shell + curl, seen by the eBPF agent): a cron-like job. Every round it reads
# a file of the enwiki dumps (NFS) and fetches a page of citation-hunt through the front proxy.
while :; do
  head -c 64 "$DUMPS_FILE" >/dev/null
  curl -s -o /dev/null "http://citation-hunt.toolforge.org:$FRONT_PROXY_PORT/" || echo "round failed"
  sleep "${ROUND_SECONDS:-3}"
done
