/**
 * Minimal Meilisearch HTTP client (fetch based).
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
  private readonly base: string;

  constructor(
    url: string,
    private readonly apiKey: string | undefined,
    private readonly defaultTimeoutMs = 5000,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = this.defaultTimeoutMs): Promise<T> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.base}/${path.replace(/^\/+/, '')}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      const err = e as Error;
      if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
        throw new MeiliError(`Meilisearch ${method} /${path} timed out after ${timeoutMs} ms`, 'timeout');
      }
      const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
      throw new MeiliError(`Meilisearch ${method} /${path} unreachable: ${cause?.code ?? cause?.message ?? err?.message}`, 'network');
    }
    const json = text === '' ? undefined : safeJson(text);
    if (!res.ok) {
      const j = (json ?? {}) as { message?: string; code?: string };
      throw new MeiliError(`Meilisearch ${method} /${path} → ${res.status}: ${j.message ?? text}`, 'api', res.status, j.code);
    }
    return json as T;
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
