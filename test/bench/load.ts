import autocannon from 'autocannon';

export interface Latency {
  /** requests measured */
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** requests per second over the run */
  rps: number;
  /** responses that were not 2xx (a correct run has none) */
  errors: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(samples: number[], seconds: number, errors = 0): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), mean, rps: s.length / seconds, errors };
}

export interface LoadRequest {
  method?: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * Runs autocannon against a loopback URL: `connections` concurrent clients cycle through `requests` for `seconds`.
 * Latency percentiles come from every single response time (autocannon's histogram has no p95).
 */
export async function hammer(
  url: string,
  requests: LoadRequest[],
  opts: { connections: number; seconds: number; headers?: Record<string, string>; warmupSeconds?: number },
): Promise<Latency> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url)) throw new Error(`benchmarks run against loopback only (${url})`);
  if (opts.warmupSeconds) await hammer(url, requests, { ...opts, seconds: opts.warmupSeconds, warmupSeconds: 0 });
  const samples: number[] = [];
  let errors = 0;
  const instance = autocannon({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers,
    requests: requests.map((r) => ({ method: r.method ?? 'GET', path: r.path, body: r.body, headers: r.headers })),
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
    else errors++;
  });
  const result = await instance;
  const seconds = result.duration || opts.seconds;
  if (result.errors + result.timeouts > 0) errors += result.errors + result.timeouts;
  return summarize(samples, seconds, errors);
}
