import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { RuntimeServices, startServices } from '../../libs/runtime';

/** Shared between globalSetup and globalTeardown (same process). */
export interface KyosoTestGlobals {
  services: RuntimeServices;
  dataDir: string;
  control: http.Server;
  removeSignalHandlers: () => void;
}

declare global {
  var __KYOSO_TEST__: KyosoTestGlobals | undefined;
}

const verbose = !!process.env.KYOSO_TEST_LOG;
const log = (msg: string) => {
  if (verbose) process.stderr.write(`[kyoso-test] ${msg}\n`);
};

/** Loopback control channel so test workers can stop/start the embedded Meilisearch. */
function startControlServer(services: RuntimeServices): Promise<http.Server> {
  let queue: Promise<unknown> = Promise.resolve();
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    const route = `${req.method} ${req.url}`;
    let action: (() => Promise<void>) | undefined;
    if (route === 'POST /meili/stop') action = () => services.stopMeili();
    else if (route === 'POST /meili/start') action = () => services.startMeili();
    else if (route === 'GET /health') return send(200, { ok: true });
    if (!action) return send(404, { error: `unknown route ${route}` });
    const run = queue.then(action); // serialise stop/start requests
    queue = run.catch(() => undefined);
    run.then(
      () => send(200, { ok: true }),
      (e: unknown) => send(500, { error: e instanceof Error ? e.message : String(e) }),
    );
  });
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-test-'));
  let services: RuntimeServices;
  try {
    services = await startServices({
      dataDir,
      databaseUrl: process.env.DATABASE_URL || undefined,
      meiliUrl: process.env.MEILI_URL || undefined,
      meiliKey: process.env.MEILI_KEY ?? process.env.MEILI_MASTER_KEY,
      ephemeral: true,
      log,
    });
  } catch (e) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }

  let control: http.Server;
  try {
    control = await startControlServer(services);
  } catch (e) {
    await services.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const addr = control.address() as { port: number };

  // If jest is interrupted, teardown never runs: stop the services and remove
  // the temp dir (bounded), then exit; the runtime's 'exit' handlers kill
  // whatever is still running.
  const onSignal = (sig: NodeJS.Signals) => {
    const code = 128 + (os.constants.signals[sig] ?? 1);
    setTimeout(() => process.exit(code), 5000).unref();
    services
      .stop()
      .catch(() => undefined)
      .then(() => fs.rmSync(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(code));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);

  process.env.KYOSO_TEST_ADMIN_DATABASE_URL = services.adminDatabaseUrl;
  process.env.KYOSO_TEST_MEILI_URL = services.meiliUrl;
  process.env.KYOSO_TEST_MEILI_KEY = services.meiliKey;
  process.env.KYOSO_TEST_DATA_DIR = dataDir;
  process.env.KYOSO_TEST_CONTROL_URL = `http://127.0.0.1:${addr.port}`;
  process.env.KYOSO_TEST_MEILI_EXTERNAL = services.embeddedMeili ? '' : '1';

  globalThis.__KYOSO_TEST__ = {
    services,
    dataDir,
    control,
    removeSignalHandlers: () => {
      for (const s of signals) process.removeListener(s, onSignal);
    },
  };
}
