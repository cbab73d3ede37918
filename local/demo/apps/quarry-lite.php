<?php
// Demo tool (PHP, seen by the eBPF agent): a web tool served by PHP's built-in server.
// Each page view reads its ToolsDB database (mysqli) and asks the wikidata-lookup tool
// through the front proxy (curl).
$db = new mysqli('tools.db.svc.wikimedia.cloud', getenv('MYSQL_USER'), getenv('MYSQL_PASSWORD'), getenv('TOOLSDB_DATABASE'), (int) getenv('MYSQL_PORT'));
$db->query('SELECT COUNT(*) FROM hunts');
$db->close();
$curl = curl_init('http://wikidata-lookup.toolforge.org:' . getenv('FRONT_PROXY_PORT') . '/lookup?q=Q1');
curl_setopt($curl, CURLOPT_RETURNTRANSFER, true);
curl_exec($curl);
curl_close($curl);
header('Content-Type: text/plain');
echo "a query result\n";
