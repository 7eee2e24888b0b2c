import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { RuntimeServices, startServices } from '../libs/runtime';
import { AppConfig, loadConfig } from '../libs/config/app-config';

/**
 * Reads the configuration and fills what is missing with embedded defaults: PostgreSQL and
 * Meilisearch under DATA_DIR, a session secret kept in DATA_DIR.
 */
export async function prepare(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AppConfig> = {},
  log: (m: string) => void = console.log,
): Promise<{ config: AppConfig; services: RuntimeServices }> {
  const config = loadConfig(env, overrides);
  fs.mkdirSync(config.resolveData(), { recursive: true });
  const services = await startServices({
    dataDir: config.resolveData(),
    databaseUrl: config.databaseUrl,
    meiliUrl: config.meiliUrl,
    meiliKey: config.meiliMasterKey,
    log,
  });
  config.databaseUrl = services.databaseUrl;
  config.meiliUrl = services.meiliUrl;
  config.meiliMasterKey = services.meiliKey;
  if (!config.sessionSecret) {
    const file = config.resolveData('session.secret');
    if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
    config.sessionSecret = fs.readFileSync(file, 'utf8').trim();
  }
  return { config, services };
}

export const dataPath = (config: AppConfig, ...parts: string[]) => path.join(config.resolveData(), ...parts);
