import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/** What the live server shows: the page, and the latest data as JSON (pushed to the browser as SSE). */
export interface LiveContent {
  /** The current page (self-contained, live mode), or null before the first refresh. */
  page(): string | null;
  /** The latest report data as JSON text, or null before the first refresh. */
  json(): string | null;
  /** Registers a listener for new JSON; returns its removal. */
  subscribe(listener: (json: string) => void): () => void;
  /** Status for /healthz. */
  status(): Record<string, unknown>;
}

export interface LiveServerOptions {
  host: string;
  port: number;
  /** Required on every request (query `token` or `Authorization: Bearer`) when set. */
  token: string | null;
  content: LiveContent;
  /** Seconds between SSE keep-alive comments. */
  keepAliveSeconds?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The default binding and its names: any other --host needs the token. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

/**
 * The live report's HTTP server. Read-only: GET and HEAD only; it serves what the refresh
 * loop computed with fixed queries and never runs anything a client sends (no SQL, no
 * parameters reach the warehouse from HTTP). Routes: / (page), /events (server-sent events),
 * /data (JSON), /healthz.
 */
export async function startLiveServer(options: LiveServerOptions): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const clients = new Set<ServerResponse>();
  const server = createServer((req, res) => handle(req, res));
  const unsubscribe = options.content.subscribe((json) => {
    for (const res of clients) res.write(`event: data\ndata: ${json}\n\n`);
  });
  const keepAlive = setInterval(
    () => {
      for (const res of clients) res.write(': keep-alive\n\n');
    },
    (options.keepAliveSeconds ?? 15) * 1000,
  );
  keepAlive.unref();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'read-only: GET and HEAD only\n');
    }
    if (options.token !== null && !authorised(req, url, options.token)) {
      return send(401, 'text/plain; charset=utf-8', 'unauthorised: add ?token=... (printed by logflow serve at start)\n');
    }
    // On loopback, refuse other Host names (DNS rebinding from a web page).
    if (options.token === null) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!isLoopback(host) && !/^127\./.test(host)) return send(403, 'text/plain; charset=utf-8', 'forbidden host\n');
    }
    switch (url.pathname) {
      case '/': {
        const page = options.content.page();
        if (page === null)
          return send(
            200,
            'text/html; charset=utf-8',
            '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>logflow</title><p>logflow serve: waiting for the first transform...</p>',
          );
        return send(200, 'text/html; charset=utf-8', page);
      }
      case '/data': {
        const json = options.content.json();
        return json === null
          ? send(503, 'application/json', '{"error":"no data yet"}')
          : send(200, 'application/json; charset=utf-8', json);
      }
      case '/healthz':
        return send(200, 'application/json; charset=utf-8', JSON.stringify(options.content.status()));
      case '/events': {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', ...SECURITY_HEADERS });
        if (req.method === 'HEAD') return void res.end();
        res.write('retry: 2000\n\n');
        const json = options.content.json();
        if (json !== null) res.write(`event: data\ndata: ${json}\n\n`);
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      default:
        return send(404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}/${options.token ? `?token=${options.token}` : ''}`;
  return {
    server,
    url,
    async close() {
      unsubscribe();
      clearInterval(keepAlive);
      for (const res of clients) res.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function authorised(req: IncomingMessage, url: URL, token: string): boolean {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const given = url.searchParams.get('token') ?? bearer ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
