import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy for tests, in front of the moto server, on a loopback port: per API and at a
 * chosen rate it answers with a throttling error or an HTTP 500/503 in the protocol the service speaks, drops
 * the connection before or after the service saw the request, or answers slowly. Everything else is forwarded
 * untouched. Each API draws from its own seeded random stream, so a plan gives the same faults to the same
 * requests of an API whatever the interleaving of concurrent calls; what was injected is counted.
 *
 *   const proxy = await startFaultProxy(endpoint, { headers: { 'x-moto-account-id': '312345678901' } });
 *   proxy.plan({ rate: 0.2, seed: 7 });                 // 20% of every API's requests
 *   proxy.plan({ rate: 1, apis: ['DescribeAlarms'], skip: 1, kinds: ['throttle'] }); // the 2nd DescribeAlarms on
 */

export type FaultKind =
  /** The service's throttling error: JSON `__type` (HTTP 400) or query XML `<Code>` (SNS: Throttled, HTTP 429). */
  | 'throttle'
  | 'http500'
  | 'http503'
  /** The connection is closed before the service sees the request. */
  | 'drop'
  /** The service handles the request (a write happens), then the connection is closed before the answer. */
  | 'lostReply'
  /** The answer arrives, `slowMs` late. */
  | 'slow';

export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'http500', 'http503', 'drop', 'lostReply', 'slow'];

export interface FaultPlan {
  /** Chance, 0 to 1, that a request of a faulted API gets a fault. */
  rate: number;
  /** The APIs to fault (`DescribeTrails`, `ListSubscriptionsByTopic`...); every API when absent. */
  apis?: readonly string[];
  /** Drawn uniformly; default every kind. */
  kinds?: readonly FaultKind[];
  /** Default 1. */
  seed?: number;
  /** Leave the first `skip` requests of each faulted API alone (to reach a later step calling the same API). */
  skip?: number;
  /** Delay of a slow answer; default 200 ms. */
  slowMs?: number;
}

export interface FaultCounts {
  /** Requests received, by API. */
  requests: Record<string, number>;
  /** Faults injected, by API and kind. */
  injected: Record<string, Partial<Record<FaultKind, number>>>;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: pass it as the endpoint URL. */
  endpoint: string;
  /** Replaces the plan and restarts every API's random stream and request count. */
  plan(plan: FaultPlan): void;
  counts(): FaultCounts;
  /** Total faults injected since the last plan (all APIs, all kinds; slow answers included). */
  injectedTotal(): number;
  stop(): Promise<void>;
}

const NO_FAULTS: FaultPlan = { rate: 0 };

/** mulberry32: a small, fast, seedable generator (uniform in [0, 1)). */
function randomStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** FNV-1a: mixes the API name into the seed, so each API has a stream of its own. */
function hash(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface ApiRequest {
  api: string;
  /** From the SigV4 credential scope (`logs`, `sns`, `monitoring`...). */
  service: string;
  /** The JSON protocols name the API in X-Amz-Target; the query protocol in the Action form field. */
  json: boolean;
  /** CloudWatch speaks JSON but reports errors by their query-protocol code (x-amzn-query-error). */
  queryCompatible: boolean;
  contentType: string;
  body: Buffer;
}

function describe(req: IncomingMessage, body: Buffer): ApiRequest {
  const target = req.headers['x-amz-target'];
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  const service = scope?.[1] ?? 'unknown';
  const queryCompatible = req.headers['x-amzn-query-mode'] === 'true';
  const contentType = req.headers['content-type'] ?? 'application/x-amz-json-1.1';
  if (typeof target === 'string') return { api: target.slice(target.lastIndexOf('.') + 1), service, json: true, queryCompatible, contentType, body };
  const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? new URL(req.url ?? '/', 'http://proxy').searchParams.get('Action');
  return { api: action ?? 'unknown', service, json: false, queryCompatible, contentType, body };
}

interface ErrorShape {
  status: number;
  /** The JSON `__type` / query `<Code>`. */
  code: string;
  /** The code the query protocol (and CloudWatch's x-amzn-query-error) uses. */
  queryCode: string;
  message: string;
}

function errorShape(kind: 'throttle' | 'http500' | 'http503', service: string): ErrorShape {
  if (kind === 'http500') return { status: 500, code: 'InternalFailure', queryCode: 'InternalFailure', message: 'The request processing has failed because of an unknown error (injected)' };
  if (kind === 'http503') return { status: 503, code: 'ServiceUnavailableException', queryCode: 'ServiceUnavailable', message: 'The service is unavailable (injected)' };
  // SNS answers throttling with code Throttled and HTTP 429; STS and CloudWatch with Throttling and 400.
  if (service === 'sns') return { status: 429, code: 'Throttled', queryCode: 'Throttled', message: 'Rate exceeded (injected)' };
  return { status: 400, code: 'ThrottlingException', queryCode: 'Throttling', message: 'Rate exceeded (injected)' };
}

function sendError(res: ServerResponse, request: ApiRequest, shape: ErrorShape, requestId: string): void {
  if (request.json) {
    const headers: Record<string, string> = { 'content-type': request.contentType, 'x-amzn-requestid': requestId };
    if (request.queryCompatible) headers['x-amzn-query-error'] = `${shape.queryCode};${shape.status < 500 ? 'Sender' : 'Receiver'}`;
    res.writeHead(shape.status, headers);
    res.end(JSON.stringify({ __type: request.queryCompatible ? shape.queryCode : shape.code, message: shape.message }));
    return;
  }
  res.writeHead(shape.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(
    `<ErrorResponse><Error><Type>${shape.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${shape.queryCode}</Code>` +
      `<Message>${shape.message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

export async function startFaultProxy(target: string, options: { headers?: Record<string, string> } = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  // A test tool: it forwards to a local emulator only, never to a real endpoint.
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) throw new Error(`the fault proxy forwards to a loopback emulator only, not ${target}`);
  let plan = NO_FAULTS;
  let streams = new Map<string, () => number>();
  let counts: FaultCounts = { requests: {}, injected: {} };
  let requestIds = 0;

  /** The fault for the n-th request of an API under the current plan, if any. */
  const draw = (api: string): FaultKind | undefined => {
    const n = (counts.requests[api] = (counts.requests[api] ?? 0) + 1);
    if (plan.rate <= 0 || (plan.apis && !plan.apis.includes(api)) || n <= (plan.skip ?? 0)) return undefined;
    let random = streams.get(api);
    if (!random) streams.set(api, (random = randomStream(hash(api, plan.seed ?? 1))));
    const roll = random();
    const pick = random();
    if (roll >= plan.rate) return undefined;
    const kinds = plan.kinds ?? FAULT_KINDS;
    const kind = kinds[Math.floor(pick * kinds.length)]!;
    const byKind = (counts.injected[api] ??= {});
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    return kind;
  };

  const pass = (req: IncomingMessage, res: ServerResponse, body: Buffer, loseReply: boolean): void => {
    const upstreamRequest = forward(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, ...options.headers, host: upstream.host },
      },
      (answer) => {
        if (loseReply) {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstreamRequest.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: the upstream ${target} failed: ${error.message}`);
    });
    upstreamRequest.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = describe(req, Buffer.concat(chunks));
      const kind = draw(request.api);
      const requestId = `fault-proxy-${++requestIds}`;
      switch (kind) {
        case 'throttle':
        case 'http500':
        case 'http503':
          return sendError(res, request, errorShape(kind, request.service), requestId);
        case 'drop':
          return void req.socket.destroy();
        case 'lostReply':
          return pass(req, res, request.body, true);
        case 'slow':
          return void setTimeout(() => pass(req, res, request.body, false), plan.slowMs ?? 200);
        default:
          return pass(req, res, request.body, false);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    plan(next) {
      plan = next;
      streams = new Map();
      counts = { requests: {}, injected: {} };
    },
    counts: () => structuredClone(counts),
    injectedTotal: () => Object.values(counts.injected).reduce((sum, byKind) => sum + Object.values(byKind).reduce((a, b) => a + (b ?? 0), 0), 0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
