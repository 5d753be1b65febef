/**
 * Realistic lines per log format with the fields the compiled pattern must capture (the text as
 * logged; '' for a field the line does not have). Sources: Apache mod_log_config, nginx
 * ngx_http_log_module, GoAccess's man page and src/settings.c, the AWS ELB/ALB/S3/CloudFront
 * developer guides' example entries, Squid's native log format, Google Cloud Storage usage-log
 * columns, Caddy's and Traefik's access-log docs, Google Cloud Logging's LogEntry/HttpRequest.
 */

export interface FormatCase {
  /** A compileFormat() description: a predefined name, `apache:...`, `nginx:...` or `w3c:#Fields: ...`. */
  format: string;
  /** Short name of the case. */
  name: string;
  line: string;
  expected: Record<string, string>;
  /** The request time in UTC (timestampOf), ISO with microseconds, where the case pins it. */
  at?: string;
  /** Why GoAccess 1.7's predefined format of the same name does not accept this line (it accepts all the others). */
  beyondGoaccess?: string;
}

const COMBINED_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

export const FORMAT_CASES: FormatCase[] = [
  // ---- combined / common / vcombined / vcommon ----
  {
    format: 'combined',
    name: 'plain',
    line: `203.0.113.9 - - [17/May/2015:10:05:03 +0000] "GET /a.html HTTP/1.1" 200 203023 "http://example.com/" "${COMBINED_UA}"`,
    expected: {
      client_ip: '203.0.113.9',
      ident: '-',
      auth_user: '-',
      time_local: '17/May/2015:10:05:03 +0000',
      request: 'GET /a.html HTTP/1.1',
      status: '200',
      bytes: '203023',
      referrer: 'http://example.com/',
      user_agent: COMBINED_UA,
      last_quote: '"',
      extra: '',
    },
  },
  {
    format: 'combined',
    at: '2026-11-02T06:59:59.000000Z',
    name: 'escaped quote in UA, user, dash bytes',
    line: '2001:db8::1 - alice [01/Nov/2026:23:59:59 -0700] "POST /api?q=\\"x\\" HTTP/2.0" 304 - "-" "curl \\"7.1\\""',
    expected: {
      client_ip: '2001:db8::1',
      auth_user: 'alice',
      time_local: '01/Nov/2026:23:59:59 -0700',
      request: 'POST /api?q=\\"x\\" HTTP/2.0',
      status: '304',
      bytes: '-',
      referrer: '-',
      user_agent: 'curl \\"7.1\\"',
      extra: '',
    },
  },
  {
    format: 'combined',
    name: 'extra fields after the UA kept in extra',
    line: '198.51.100.7 - - [02/Jan/2026:03:04:05 +0100] "GET /x HTTP/1.1" 200 12 "-" "Wget/1.21" 0.004 "-"',
    expected: { client_ip: '198.51.100.7', request: 'GET /x HTTP/1.1', user_agent: 'Wget/1.21', extra: '0.004 "-"' },
  },
  {
    format: 'combined',
    name: 'messy request line stays in request',
    line: '198.51.100.8 - - [02/Jan/2026:03:04:05 +0100] "GET /a.html   HTTP/1.0" 400 0 "-" "-"\r',
    expected: { request: 'GET /a.html   HTTP/1.0', status: '400', bytes: '0', extra: '' },
  },
  {
    format: 'combined',
    name: 'user agent without its closing quote (elastic sample)',
    line: '46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /scripts/grok-py-test/configlib.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html',
    expected: {
      status: '200',
      user_agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html',
      last_quote: '',
      extra: '',
    },
  },
  {
    format: 'common',
    name: 'plain',
    line: '127.0.0.1 user-identifier frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
    expected: {
      client_ip: '127.0.0.1',
      ident: 'user-identifier',
      auth_user: 'frank',
      time_local: '10/Oct/2000:13:55:36 -0700',
      request: 'GET /apache_pb.gif HTTP/1.0',
      status: '200',
      bytes: '2326',
      extra: '',
    },
  },
  {
    format: 'common',
    name: 'empty request',
    line: '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "-" 408 -',
    expected: { client_ip: '10.0.0.1', request: '-', status: '408', bytes: '-' },
  },
  {
    format: 'common',
    name: 'HTTP/0.9',
    line: '10.0.0.2 - - [10/Oct/2000:13:55:36 -0700] "GET /" 200 5',
    expected: { request: 'GET /', status: '200', bytes: '5' },
  },
  {
    format: 'vcombined',
    name: 'vhost and port',
    line: `www.example.com:443 203.0.113.9 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 512 "-" "${COMBINED_UA}"`,
    expected: { vhost: 'www.example.com', port: '443', client_ip: '203.0.113.9', request: 'GET / HTTP/1.1', user_agent: COMBINED_UA },
  },
  {
    format: 'vcombined',
    name: 'port 80, referrer',
    line: 'blog.example.org:80 192.0.2.1 - bob [17/May/2015:10:05:03 +0000] "HEAD /feed HTTP/1.1" 301 0 "https://t.co/x" "Feedly/1.0"',
    expected: { vhost: 'blog.example.org', port: '80', auth_user: 'bob', referrer: 'https://t.co/x', user_agent: 'Feedly/1.0' },
  },
  {
    format: 'vcombined',
    name: 'trailing request time',
    line: 'a.example:8080 192.0.2.2 - - [17/May/2015:10:05:03 +0000] "GET /x HTTP/1.1" 200 1 "-" "ua" 1234',
    expected: { vhost: 'a.example', port: '8080', user_agent: 'ua', extra: '1234' },
  },
  {
    format: 'vcommon',
    name: 'plain',
    line: 'www.example.com:80 192.0.2.3 - - [17/May/2015:10:05:03 +0000] "GET /robots.txt HTTP/1.1" 200 68',
    expected: { vhost: 'www.example.com', port: '80', client_ip: '192.0.2.3', request: 'GET /robots.txt HTTP/1.1', bytes: '68' },
  },
  {
    format: 'vcommon',
    name: 'IPv6 client',
    line: 'shop.example:443 2001:db8:0:1::5 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/2.0" 200 1024',
    expected: { vhost: 'shop.example', client_ip: '2001:db8:0:1::5', request: 'GET / HTTP/2.0' },
  },
  {
    format: 'vcommon',
    name: 'dash bytes',
    line: 'x.example:80 192.0.2.4 - - [17/May/2015:10:05:03 +0000] "GET /gone HTTP/1.1" 404 -',
    expected: { status: '404', bytes: '-' },
  },

  // ---- custom Apache and nginx formats ----
  {
    format: 'apache:%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D',
    name: 'combined + %D',
    line: '192.0.2.5 - - [17/May/2015:10:05:03 +0000] "GET /slow HTTP/1.1" 200 10 "-" "ua" 1532871',
    expected: { client_ip: '192.0.2.5', request: 'GET /slow HTTP/1.1', latency: '1532871', extra: '' },
  },
  {
    format: 'apache:%v %h %t "%r" %>s %O %T "%{SSL_PROTOCOL}x" "%{SSL_CIPHER}x" "%{Content-Type}o" %{X-Cache}o',
    name: 'TLS, MIME type, header_out',
    line: 'www.example.com 192.0.2.6 [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 4521 2 "TLSv1.3" "TLS_AES_256_GCM_SHA384" "text/html; charset=utf-8" HIT',
    expected: {
      vhost: 'www.example.com',
      bytes_sent: '4521',
      latency: '2',
      tls_protocol: 'TLSv1.3',
      tls_cipher: 'TLS_AES_256_GCM_SHA384',
      content_type: 'text/html; charset=utf-8',
      header_out_x_cache: 'HIT',
    },
  },
  {
    format: 'apache:%{%Y-%m-%dT%H:%M:%S%z}t %a %m %U%q %H %s %{ms}T',
    at: '2026-11-29T10:00:00.000000Z',
    name: 'strftime time, split request',
    line: '2026-11-29T10:00:00+0000 192.0.2.7 GET /search?q=a+b HTTP/1.1 200 12',
    expected: {
      time_local: '2026-11-29T10:00:00+0000',
      client_ip: '192.0.2.7',
      method: 'GET',
      path: '/search',
      query: '?q=a+b',
      protocol: 'HTTP/1.1',
      status: '200',
      latency: '12',
    },
  },
  {
    format:
      'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time',
    name: 'combined + $request_time',
    line: '192.0.2.8 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0" 0.012',
    expected: { client_ip: '192.0.2.8', auth_user: '-', request: 'GET / HTTP/1.1', bytes: '612', user_agent: 'curl/8.0', latency: '0.012' },
  },
  {
    format:
      'nginx:$host $remote_addr [$time_iso8601] "$request" $status $bytes_sent $request_time $upstream_response_time $upstream_cache_status $ssl_protocol/$ssl_cipher',
    at: '2026-11-29T09:00:00.000000Z',
    name: 'upstream list, cache, TLS',
    line: 'api.example.com 192.0.2.9 [2026-11-29T10:00:00+01:00] "POST /v1 HTTP/2.0" 502 157 3.001 3.000, 0.001 MISS TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256',
    expected: {
      vhost: 'api.example.com',
      time_local: '2026-11-29T10:00:00+01:00',
      status: '502',
      bytes_sent: '157',
      latency: '3.001',
      upstream_time: '3.000, 0.001',
      cache_status: 'MISS',
      tls_protocol: 'TLSv1.2',
      tls_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
    },
  },
  {
    format:
      'nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $upstream_response_time',
    name: 'forwarded-for, upstream dash',
    line: '10.1.2.3 - - [17/May/2015:10:05:03 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.29" "203.0.113.1, 10.0.0.2" -',
    expected: { forwarded_for: '203.0.113.1, 10.0.0.2', upstream_time: '-', user_agent: 'kube-probe/1.29' },
  },

  // ---- W3C (IIS default fields) ----
  {
    format: 'w3c',
    at: '2026-11-29T10:00:00.000000Z',
    name: 'IIS default',
    line: '2026-11-29 10:00:00 10.0.0.5 GET /default.aspx - 443 - 203.0.113.5 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://www.bing.com/ 200 0 0 46',
    expected: {
      date: '2026-11-29',
      time: '10:00:00',
      server_ip: '10.0.0.5',
      method: 'GET',
      path: '/default.aspx',
      query: '-',
      port: '443',
      auth_user: '-',
      client_ip: '203.0.113.5',
      user_agent: 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)',
      referrer: 'https://www.bing.com/',
      status: '200',
      latency: '46',
    },
  },
  {
    format: 'w3c',
    name: 'IIS 401 with user and query',
    line: '2026-11-29 10:00:01 10.0.0.5 POST /api/login ReturnUrl=%2F 443 CONTOSO\\jdoe 2001:db8::7 - - 401 2 5 3',
    expected: { query: 'ReturnUrl=%2F', auth_user: 'CONTOSO\\jdoe', client_ip: '2001:db8::7', status: '401', latency: '3' },
  },
  {
    format: 'w3c',
    beyondGoaccess: 'GoAccess reads W3C columns separated by single spaces only',
    name: 'tab separated',
    line: '2026-11-29\t10:00:02\t10.0.0.5\tGET\t/\t-\t80\t-\t192.0.2.10\tcurl/8.0\t-\t200\t0\t0\t1',
    expected: { date: '2026-11-29', time: '10:00:02', client_ip: '192.0.2.10', status: '200', latency: '1' },
  },
  {
    format: 'w3c:#Fields: date time cs-method cs-uri-stem sc-status sc-bytes time-taken cs(Host) c-ip',
    name: 'custom #Fields',
    line: '2026-11-29 10:00:03 GET /x.css 200 5120 15 www.example.com 192.0.2.11',
    expected: {
      method: 'GET',
      path: '/x.css',
      status: '200',
      bytes: '5120',
      latency: '15',
      vhost: 'www.example.com',
      client_ip: '192.0.2.11',
    },
  },

  // ---- CloudFront (33 tab-separated fields) ----
  {
    format: 'cloudfront',
    at: '2019-12-04T21:02:31.000000Z',
    name: 'AWS example hit',
    line: '2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-',
    expected: {
      date: '2019-12-04',
      time: '21:02:31',
      bytes: '392',
      client_ip: '192.0.2.100',
      method: 'GET',
      vhost: 'd111111abcdef8.cloudfront.net',
      path: '/index.html',
      status: '200',
      referrer: '-',
      cache_status: 'Hit',
      scheme: 'https',
      latency: '0.001',
      tls_protocol: 'TLSv1.2',
      protocol: 'HTTP/2.0',
      content_type: 'text/html',
    },
  },
  {
    format: 'cloudfront',
    name: 'miss with query, IPv6',
    line: '2019-12-13\t22:36:27\tSEA19-C1\t900\t2001:db8:0:1::1\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\thttps://example.com/\tcurl/7.64.1\ta=1&b=2\t-\tMiss\tk6WGMNkEzR5BEM_SaF47gjtX9zBDO2m349OY2an0QPEaUum1ZOLrow==\tdemo.example.com\thttps\t82\t0.082\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/1.1\t-\t-\t45132\t0.080\tMiss\ttext/html\t640\t-\t-',
    expected: {
      client_ip: '2001:db8:0:1::1',
      referrer: 'https://example.com/',
      query: 'a=1&b=2',
      cache_status: 'Miss',
      host: 'demo.example.com',
      latency: '0.082',
      tls_cipher: 'TLS_AES_128_GCM_SHA256',
    },
  },
  {
    format: 'cloudfront',
    name: 'error, http, no TLS',
    line: '2019-12-13\t22:37:02\tSEA19-C2\t494\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/favicon.ico\t403\t-\tcurl/7.64.1\t-\t-\tError\t3pBS3gK2d0jvSS2pXqRIfH8bgYtYR7q-l4VGYRpbOtTYqAWPQAIq-A==\td111111abcdef8.cloudfront.net\thttp\t78\t0.002\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t50036\t0.002\tError\ttext/xml\t-\t-\t-',
    expected: { status: '403', cache_status: 'Error', scheme: 'http', tls_protocol: '-', tls_cipher: '-', content_type: 'text/xml' },
  },

  // ---- Squid native ----
  {
    format: 'squid',
    at: '2010-10-08T11:11:48.779000Z',
    beyondGoaccess: "GoAccess's SQUID expects a syslog prefix before the native fields",
    name: 'miss',
    line: '1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://www.google.com/ - DIRECT/74.125.224.84 text/html',
    expected: {
      time_local: '1286536308.779',
      latency: '180',
      client_ip: '192.168.0.224',
      cache_status: 'TCP_MISS',
      status: '200',
      bytes: '411',
      method: 'GET',
      request_uri: 'http://www.google.com/',
      auth_user: '-',
      upstream_addr: '74.125.224.84',
      content_type: 'text/html',
    },
  },
  {
    format: 'squid',
    beyondGoaccess: "GoAccess's SQUID expects a syslog prefix before the native fields",
    name: 'CONNECT tunnel, user',
    line: '1700000000.001  60012 10.0.0.9 TCP_TUNNEL/200 5821 CONNECT example.com:443 alice HIER_DIRECT/93.184.216.34 -',
    expected: {
      latency: '60012',
      cache_status: 'TCP_TUNNEL',
      method: 'CONNECT',
      request_uri: 'example.com:443',
      auth_user: 'alice',
      content_type: '-',
    },
  },
  {
    format: 'squid',
    name: 'after a syslog prefix (GoAccess shape)',
    line: 'Oct  8 11:11:48 proxy1 squid[2087]: 1286536308.779    180 192.168.0.224 TCP_MISS/200 411 GET http://www.google.com/ - DIRECT/74.125.224.84 text/html',
    expected: {
      time_local: '1286536308.779',
      latency: '180',
      client_ip: '192.168.0.224',
      status: '200',
      request_uri: 'http://www.google.com/',
    },
  },
  {
    format: 'squid',
    beyondGoaccess: "GoAccess's SQUID expects a syslog prefix before the native fields",
    name: 'denied, no hierarchy',
    line: '1700000001.500      0 10.0.0.10 TCP_DENIED/403 3962 GET http://blocked.example/ - HIER_NONE/- text/html',
    expected: { latency: '0', cache_status: 'TCP_DENIED', status: '403', upstream_addr: '-' },
  },

  // ---- Google Cloud Storage usage logs ----
  {
    format: 'cloudstorage',
    at: '2020-06-08T20:50:01.000000Z',
    name: 'GET object',
    line: '"1591649401000000","198.51.100.1","1","","GET","/download/storage/v1/b/bucket/o/obj?alt=media","200","0","1024","31000","storage.googleapis.com","","gsutil/4.51","AAANsUmaKBTw9c4","GET_Object","bucket","obj"',
    expected: {
      time_local: '1591649401000000',
      client_ip: '198.51.100.1',
      method: 'GET',
      request_uri: '/download/storage/v1/b/bucket/o/obj?alt=media',
      status: '200',
      bytes_received: '0',
      bytes: '1024',
      latency: '31000',
      vhost: 'storage.googleapis.com',
      referrer: '',
      user_agent: 'gsutil/4.51',
      request_id: 'AAANsUmaKBTw9c4',
    },
  },
  {
    format: 'cloudstorage',
    at: '2020-06-08T20:50:02.000123Z',
    name: 'browser with referrer',
    line: '"1591649402000123","2001:db8::2","2","","GET","/bucket/img.png","304","0","0","5000","storage.googleapis.com","https://example.com/","Mozilla/5.0 (X11)","BBB","GET_Object","bucket","img.png"',
    expected: { client_ip: '2001:db8::2', status: '304', referrer: 'https://example.com/', user_agent: 'Mozilla/5.0 (X11)' },
  },
  {
    format: 'cloudstorage',
    name: 'PUT 403',
    line: '"1591649403000000","192.0.2.50","1","","PUT","/upload/x","403","2048","120","800","storage.googleapis.com","","curl/8","CCC","PUT_Object","bucket","x"',
    expected: { method: 'PUT', status: '403', bytes_received: '2048', latency: '800' },
  },

  // ---- AWS classic ELB ----
  {
    format: 'awselb',
    at: '2015-05-13T23:39:43.945958Z',
    beyondGoaccess: "GoAccess 1.7's AWSELB expects a field before the timestamp (ALB's type), which classic ELB logs do not have",
    name: 'HTTP',
    line: '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
    expected: {
      time_local: '2015-05-13T23:39:43.945958Z',
      vhost: 'my-loadbalancer',
      client_ip: '192.168.131.39',
      upstream_addr: '10.0.0.1:80',
      request_processing_time: '0.000073',
      latency: '0.001048',
      status: '200',
      upstream_status: '200',
      bytes_received: '0',
      bytes: '29',
      request: 'GET http://www.example.com:80/ HTTP/1.1',
      user_agent: 'curl/7.38.0',
      tls_cipher: '-',
      tls_protocol: '-',
    },
  },
  {
    format: 'awselb',
    beyondGoaccess: "GoAccess 1.7's AWSELB expects a field before the timestamp (ALB's type), which classic ELB logs do not have",
    name: 'HTTPS',
    line: '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2',
    expected: { request: 'GET https://www.example.com:443/ HTTP/1.1', tls_cipher: 'DHE-RSA-AES128-SHA', tls_protocol: 'TLSv1.2' },
  },
  {
    format: 'awselb',
    beyondGoaccess: "GoAccess 1.7's AWSELB expects a field before the timestamp (ALB's type), which classic ELB logs do not have",
    name: 'backend failed (-1, -)',
    line: '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 - -1 -1 -1 504 0 0 0 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
    expected: { upstream_addr: '-', latency: '-1', status: '504', upstream_status: '0' },
  },

  // ---- AWS ALB ----
  {
    format: 'awsalb',
    at: '2018-07-02T22:23:00.186641Z',
    name: 'http',
    line: 'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"',
    expected: {
      scheme: 'http',
      time_local: '2018-07-02T22:23:00.186641Z',
      client_ip: '192.168.131.39',
      latency: '0.001',
      status: '200',
      bytes_received: '34',
      bytes: '366',
      request: 'GET http://www.example.com:80/ HTTP/1.1',
      user_agent: 'curl/7.46.0',
      request_id: 'Root=1-58337262-36d228ad5d99923122bbe354',
      vhost: '-',
      extra: '"-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"',
    },
  },
  {
    format: 'awsalb',
    name: 'h2 with TLS and domain',
    line: 'h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-"',
    expected: {
      scheme: 'h2',
      client_ip: '10.0.1.252',
      upstream_addr: '10.0.0.66:9000',
      latency: '0.002',
      tls_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      tls_protocol: 'TLSv1.2',
      vhost: 'www.example.com',
    },
  },
  {
    format: 'awsalb',
    beyondGoaccess: "GoAccess's %h:%^ does not split an IPv6 client:port",
    name: 'target unreachable',
    line: 'https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 2001:db8::3:2817 - -1 -1 -1 503 - 34 366 "GET https://www.example.com:443/ HTTP/1.1" "Mozilla/5.0 (X11)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-58337262-36d228ad5d99923122bbe354" "www.example.com" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "-" "-" "-" "-"',
    expected: {
      scheme: 'https',
      client_ip: '2001:db8::3',
      upstream_addr: '-',
      latency: '-1',
      status: '503',
      upstream_status: '-',
      user_agent: 'Mozilla/5.0 (X11)',
    },
  },

  // ---- AWS S3 server access logs ----
  {
    format: 'awss3',
    at: '2019-02-06T00:00:38.000000Z',
    name: 'REST.GET.VERSIONING',
    line: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes',
    expected: {
      vhost: 'awsexamplebucket1',
      time_local: '06/Feb/2019:00:00:38 +0000',
      client_ip: '192.0.2.3',
      request_id: '3E57427F3EXAMPLE',
      request: 'GET /awsexamplebucket1?versioning HTTP/1.1',
      status: '200',
      bytes: '113',
      latency: '7',
      referrer: '-',
      user_agent: 'S3Console/0.4',
      tls_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      host: 'awsexamplebucket1.s3.us-west-1.amazonaws.com',
      tls_protocol: 'TLSV1.2',
      extra: 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes',
    },
  },
  {
    format: 'awss3',
    name: 'old log without the trailing fields',
    line: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 891CE47D2EXAMPLE REST.GET.OBJECT photos/2019/08/puppy.jpg "GET /awsexamplebucket1/photos/2019/08/puppy.jpg?x-foo=bar HTTP/1.1" 206 - 2233 5000 34 32 "https://example.com/" "Mozilla/5.0"',
    expected: {
      auth_user: '-',
      request: 'GET /awsexamplebucket1/photos/2019/08/puppy.jpg?x-foo=bar HTTP/1.1',
      status: '206',
      bytes: '2233',
      latency: '34',
      referrer: 'https://example.com/',
      user_agent: 'Mozilla/5.0',
      tls_cipher: '',
      host: '',
    },
  },
  {
    format: 'awss3',
    name: 'error code, dash bytes',
    line: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:40 +0000] 192.0.2.4 - A1206F460EXAMPLE REST.GET.OBJECT nope "GET /awsexamplebucket1/nope HTTP/1.1" 404 NoSuchKey - - 4 - "-" "aws-cli/2.0" - Ha0dZ6J8= SigV4 TLS_AES_128_GCM_SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.3 - -',
    expected: { status: '404', bytes: '-', latency: '4', tls_protocol: 'TLSv1.3', extra: '- -' },
  },

  // ---- Traefik CLF ----
  {
    format: 'traefikclf',
    name: 'router and server',
    line: '192.0.2.20 - - [29/Nov/2026:10:00:00 +0000] "GET /whoami HTTP/1.1" 200 412 "-" "curl/8.5.0" 17 "whoami@docker" "http://172.18.0.3:80" 2ms',
    expected: {
      client_ip: '192.0.2.20',
      request: 'GET /whoami HTTP/1.1',
      status: '200',
      bytes: '412',
      user_agent: 'curl/8.5.0',
      vhost: 'whoami@docker',
      upstream_addr: 'http://172.18.0.3:80',
      latency: '2',
    },
  },
  {
    format: 'traefikclf',
    name: 'no router (404)',
    line: '192.0.2.21 - - [29/Nov/2026:10:00:01 +0000] "GET /nope HTTP/1.1" 404 19 "-" "Mozilla/5.0 (X11)" 18 "-" "-" 0ms',
    expected: { status: '404', vhost: '-', upstream_addr: '-', latency: '0' },
  },
  {
    format: 'traefikclf',
    at: '2026-11-29T09:00:02.000000Z',
    name: 'user, referrer',
    line: '192.0.2.22 - admin [29/Nov/2026:10:00:02 +0100] "POST /api/x HTTP/2.0" 201 2 "https://app.example/" "Go-http-client/2.0" 19 "api@file" "http://10.0.0.4:8080" 153ms',
    expected: { auth_user: 'admin', referrer: 'https://app.example/', latency: '153' },
  },
];

export interface RequestLineCase {
  request: string;
  /** method, path, query, protocol ('' when absent), or null when the line is not a request line. */
  expected: [string, string, string, string] | null;
}

/** Issue 14's real-world request lines (REQUEST_LINE_PATTERN). */
export const REQUEST_LINE_CASES: RequestLineCase[] = [
  { request: 'GET /a.html HTTP/1.1', expected: ['GET', '/a.html', '', 'HTTP/1.1'] },
  { request: 'GET /a.html   HTTP/1.0', expected: ['GET', '/a.html', '', 'HTTP/1.0'] },
  { request: 'GET  /a.html HTTP/1.0', expected: ['GET', '/a.html', '', 'HTTP/1.0'] },
  { request: 'GET /', expected: ['GET', '/', '', ''] },
  { request: 'GET /search?q=a&b=c HTTP/2.0', expected: ['GET', '/search', 'q=a&b=c', 'HTTP/2.0'] },
  { request: 'OPTIONS * RTSP/1.0', expected: ['OPTIONS', '*', '', 'RTSP/1.0'] },
  { request: 'INVITE sip:bob@example.com SIP/2.0', expected: ['INVITE', 'sip:bob@example.com', '', 'SIP/2.0'] },
  { request: 'GET /x HTTP/V1.0', expected: ['GET', '/x', '', 'HTTP/V1.0'] },
  { request: 'GET /index.html HTTP/1.1\\n', expected: ['GET', '/index.html', '', 'HTTP/1.1'] },
  { request: 'GET /index.html HTTP/1.1\n', expected: ['GET', '/index.html', '', 'HTTP/1.1'] },
  { request: 'GET /s?q=a b HTTP/1.1', expected: ['GET', '/s', 'q=a b', 'HTTP/1.1'] },
  { request: 'GET /a.html\tHTTP/1.0', expected: ['GET', '/a.html', '', 'HTTP/1.0'] },
  { request: 'GET /x foo', expected: null },
  { request: 'GET /x HTTP/1.1 HTTP/1.1', expected: null },
  { request: 'CONNECT example.com:443 HTTP/1.1', expected: ['CONNECT', 'example.com:443', '', 'HTTP/1.1'] },
  { request: 'GET http://proxy.example/x?y HTTP/1.0', expected: ['GET', 'http://proxy.example/x', 'y', 'HTTP/1.0'] },
  { request: 'GET /a b HTTP/1.1', expected: null },
  { request: 'GET /a HTTP/1.1 junk', expected: null },
  { request: '-', expected: null },
  { request: '\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03', expected: null },
  { request: '', expected: null },
];

export interface JsonCase {
  format: 'caddy' | 'cloud_logging';
  name: string;
  line: string;
  expected: Record<string, string | null>;
  at?: string;
  beyondGoaccess?: string;
}

/** JSON formats: every field of the format's paths read from the line (NULL when absent). */
export const JSON_CASES: JsonCase[] = [
  {
    format: 'caddy',
    at: '2022-03-09T21:30:01.524102Z',
    name: 'Caddy v2 access log over TLS',
    line: '{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"41342","client_ip":"127.0.0.1","proto":"HTTP/2.0","method":"GET","host":"localhost","uri":"/?a=1","headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"]},"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2","server_name":"localhost"}},"bytes_read":0,"user_id":"","duration":0.000929675,"size":10900,"status":200,"resp_headers":{"Server":["Caddy"],"Content-Type":["text/html; charset=utf-8"]}}',
    expected: {
      client_ip: '127.0.0.1',
      time_local: '1646861401.5241024',
      method: 'GET',
      request_uri: '/?a=1',
      protocol: 'HTTP/2.0',
      vhost: 'localhost',
      status: '200',
      bytes: '10900',
      latency: '0.000929675',
      auth_user: '',
      referrer: null,
      user_agent: 'curl/7.82.0',
      tls_protocol: '772',
      tls_cipher: '4865',
      content_type: 'text/html; charset=utf-8',
    },
  },
  {
    format: 'caddy',
    name: 'Caddy plain HTTP, older (remote_ip only), referrer',
    line: '{"level":"info","ts":1600000000.5,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"192.0.2.30","remote_port":"5555","proto":"HTTP/1.1","method":"POST","host":"example.com","uri":"/form","headers":{"Referer":["https://example.com/"],"User-Agent":["Mozilla/5.0 (X11)"]}},"duration":0.25,"size":0,"status":303,"resp_headers":{}}',
    expected: {
      client_ip: '192.0.2.30',
      method: 'POST',
      status: '303',
      bytes: '0',
      latency: '0.25',
      referrer: 'https://example.com/',
      user_agent: 'Mozilla/5.0 (X11)',
      tls_protocol: null,
      content_type: null,
    },
  },
  {
    format: 'caddy',
    beyondGoaccess: 'GoAccess needs every field of its CADDY template (headers, tls, resp_headers)',
    name: 'Caddy 404 with IPv6 client',
    line: '{"ts":1700000000,"request":{"remote_ip":"2001:db8::9","client_ip":"2001:db8::9","proto":"HTTP/3.0","method":"GET","host":"a.example","uri":"/missing","headers":{}},"duration":0.000051,"size":0,"status":404}',
    expected: { client_ip: '2001:db8::9', protocol: 'HTTP/3.0', status: '404', latency: '0.000051', user_agent: null },
  },
  {
    format: 'cloud_logging',
    at: '2026-11-29T10:00:00.123456Z',
    name: 'external HTTP(S) load balancer',
    line: '{"insertId":"1xkv3aqf2kv8a1","httpRequest":{"requestMethod":"GET","requestUrl":"https://www.example.com/index.html?utm=x","requestSize":"345","status":200,"responseSize":"5120","userAgent":"Mozilla/5.0 (X11)","remoteIp":"203.0.113.40","serverIp":"10.128.0.2","referer":"https://google.com/","latency":"0.012345s","protocol":"HTTP/1.1","cacheHit":true},"resource":{"type":"http_load_balancer"},"timestamp":"2026-11-29T10:00:00.123456789Z","severity":"INFO","logName":"projects/p/logs/requests","receiveTimestamp":"2026-11-29T10:00:01.000Z"}',
    expected: {
      request_id: '1xkv3aqf2kv8a1',
      time_local: '2026-11-29T10:00:00.123456789Z',
      method: 'GET',
      request_uri: 'https://www.example.com/index.html?utm=x',
      status: '200',
      bytes: '5120',
      bytes_received: '345',
      user_agent: 'Mozilla/5.0 (X11)',
      client_ip: '203.0.113.40',
      server_ip: '10.128.0.2',
      referrer: 'https://google.com/',
      latency: '0.012345s',
      protocol: 'HTTP/1.1',
      cache_status: 'true',
    },
  },
  {
    format: 'cloud_logging',
    at: '2026-11-29T10:00:02.500000Z',
    name: 'Cloud Run, no referrer',
    line: '{"insertId":"64a1f2b0000a3c9e1b7c2d4f","httpRequest":{"requestMethod":"POST","requestUrl":"https://svc-abc-uc.a.run.app/api/v1/items","requestSize":"1024","status":201,"responseSize":"87","userAgent":"Go-http-client/2.0","remoteIp":"2001:db8::44","serverIp":"216.239.32.53","latency":"0.734812039s","protocol":"HTTP/1.1"},"resource":{"type":"cloud_run_revision"},"timestamp":"2026-11-29T10:00:02.5Z"}',
    expected: {
      request_id: '64a1f2b0000a3c9e1b7c2d4f',
      method: 'POST',
      request_uri: 'https://svc-abc-uc.a.run.app/api/v1/items',
      status: '201',
      latency: '0.734812039s',
      referrer: null,
      cache_status: null,
    },
  },
  {
    format: 'cloud_logging',
    name: 'App Engine 304, whole seconds',
    line: '{"insertId":"g2s5k3f1","httpRequest":{"requestMethod":"GET","requestUrl":"https://my-app.appspot.com/static/app.js","status":304,"responseSize":"0","userAgent":"Mozilla/5.0","remoteIp":"198.51.100.70","latency":"2s","protocol":"HTTP/2"},"timestamp":"2026-11-29T10:00:03Z"}',
    expected: { status: '304', bytes: '0', latency: '2s', protocol: 'HTTP/2', time_local: '2026-11-29T10:00:03Z' },
  },
];
