import * as fs from 'node:fs';
import type { KyosoTestGlobals } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const g = (globalThis as { __KYOSO_TEST__?: KyosoTestGlobals }).__KYOSO_TEST__;
  if (!g) return;
  (globalThis as { __KYOSO_TEST__?: KyosoTestGlobals }).__KYOSO_TEST__ = undefined;
  g.removeSignalHandlers();
  g.control.closeAllConnections?.();
  await new Promise<void>((resolve) => g.control.close(() => resolve()));
  try {
    await g.services.stop();
  } finally {
    fs.rmSync(g.dataDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 200 });
  }
}
