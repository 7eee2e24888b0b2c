import * as http from 'node:http';
import * as https from 'node:https';
/**
 * Minimal Meilisearch HTTP client (node:http with keep-alive).
 *
 * Why not the `meilisearch` npm client at runtime: 0.62 is ESM-only, which jest on Node 20 cannot `require()`,
 * and it targets newer servers (e.g. typed `swapIndexes` payload with `rename`). This client sends exactly
 * what Meilisearch 1.21 expects. Types may still be imported from 'meilisearch' with `import type`.
 */
export type MeiliErrorKind = 'api' | 'network' | 'timeout' | 'task';

export class MeiliError extends Error {
  constructor(
    message: string,
    readonly kind: MeiliErrorKind,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'MeiliError';
  }
}

export interface MeiliTask {
  uid: number;
  taskUid?: number;
  indexUid: string | null;
  status: 'enqueued' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  type: string;
  error?: { message: string; code: string; type: string; link?: string } | null;
  details?: Record<string, unknown>;
}

export interface EnqueuedTask {
  taskUid: number;
  indexUid: string | null;
  status: string;
  type: string;
}

export class MeiliHttp {
  private readonly base: URL;
  private readonly transport: typeof http | typeof https;
  /**
   * Keep-alive connections over node:http: fetch (undici) costs about twice the CPU per request, which the search
   * API pays on every query (see test/bench). Idle sockets are closed before Meilisearch's own keep-alive (5 s) ends.
   */
  private readonly agent: http.Agent;

  constructor(
    url: string,
    private readonly apiKey: string | undefined,
    private readonly defaultTimeoutMs = 5000,
  ) {
    this.base = new URL(url.replace(/\/+$/, '') + '/');
    this.transport = this.base.protocol === 'https:' ? https : http;
    const AgentClass = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, timeout: 4000 });
  }

  /** Closes the idle keep-alive connections (at shutdown). */
  close(): void {
    this.agent.destroy();
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = this.defaultTimeoutMs): Promise<T> {
    // identity: Meilisearch compresses responses when asked, which costs far more than it saves between neighbours
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Accept-Encoding': 'identity' };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    if (payload) headers['Content-Length'] = payload.length;
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    let res: { status: number; text: string };
    try {
      res = await this.send(method, url, headers, payload, timeoutMs);
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err?.name === 'TimeoutError') throw new MeiliError(`Meilisearch ${method} /${path} timed out after ${timeoutMs} ms`, 'timeout');
      throw new MeiliError(`Meilisearch ${method} /${path} unreachable: ${err?.code ?? err?.message}`, 'network');
    }
    const json = res.text === '' ? undefined : safeJson(res.text);
    if (res.status < 200 || res.status >= 300) {
      const j = (json ?? {}) as { message?: string; code?: string };
      throw new MeiliError(`Meilisearch ${method} /${path} → ${res.status}: ${j.message ?? res.text}`, 'api', res.status, j.code);
    }
    return json as T;
  }

  private send(
    method: string,
    url: URL,
    headers: Record<string, string | number>,
    payload: Buffer | undefined,
    timeoutMs: number,
    retried = false,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
      };
      const req = this.transport.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', (e) => finish(() => reject(e)));
      });
      const timer = setTimeout(() => {
        const e = new Error('timeout');
        e.name = 'TimeoutError';
        finish(() => reject(e));
        req.destroy();
      }, timeoutMs);
      req.on('error', (e: Error & { code?: string }) => {
        // a kept-alive socket the server closed meanwhile: try once more on a fresh one (Node's documented pattern)
        if (!retried && (req as http.ClientRequest).reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
          finish(() => resolve(this.send(method, url, headers, payload, Math.max(1, timeoutMs), true)));
          return;
        }
        finish(() => reject(e));
      });
      req.end(payload);
    });
  }

  getTask(uid: number, timeoutMs = this.defaultTimeoutMs): Promise<MeiliTask> {
    return this.request<MeiliTask>('GET', `tasks/${uid}`, undefined, timeoutMs);
  }

  /** Polls a task until it is finished (fast at first, for low latency); throws on timeout. */
  async waitForTask(taskUid: number, timeoutMs = 10_000): Promise<MeiliTask> {
    const deadline = Date.now() + timeoutMs;
    let interval = 5;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new MeiliError(`Meilisearch task ${taskUid} not finished after ${timeoutMs} ms`, 'timeout');
      const task = await this.getTask(taskUid, Math.min(left, this.defaultTimeoutMs));
      if (task.status !== 'enqueued' && task.status !== 'processing') return task;
      await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
      interval = Math.min(interval * 2, 100);
    }
  }

  /** Sends a task-enqueuing request, waits for the task and throws unless it succeeded. */
  async runTask(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<MeiliTask> {
    const enq = await this.request<EnqueuedTask>(method, path, body);
    const task = await this.waitForTask(enq.taskUid, timeoutMs);
    if (task.status !== 'succeeded') {
      throw new MeiliError(
        `Meilisearch task ${task.uid} (${task.type}) ${task.status}: ${task.error?.message ?? 'no error message'}`,
        'task',
        undefined,
        task.error?.code,
      );
    }
    return task;
  }

  async health(timeoutMs = 1000): Promise<boolean> {
    try {
      const r = await this.request<{ status?: string }>('GET', 'health', undefined, timeoutMs);
      return r?.status === 'available';
    } catch {
      return false;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
