import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import * as path from 'node:path';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * The one typed configuration of Kyoso, read from the environment and validated at start.
 * Embedded services fill in `databaseUrl` / `meiliUrl` when they are not given.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  port = 3000;

  @IsString()
  dataDir = '.data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  databaseUrl?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\//, { message: 'MEILI_URL must start with http:// or https://' })
  meiliUrl?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  meiliMasterKey?: string;

  /** Prefix of every Meilisearch index name, so several instances or test files can share one server. */
  @IsString()
  @Matches(/^[a-z0-9_]*$/, { message: 'MEILI_INDEX_PREFIX may contain a-z, 0-9 and _ only' })
  meiliIndexPrefix = 'kyoso_';

  @Transform(toBool)
  @IsBoolean()
  seedDemo = false;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'SECRETARIAT_EMAIL must be an e-mail address' })
  secretariatEmail?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(10, { message: 'SECRETARIAT_PASSWORD must be at least 10 characters' })
  secretariatPassword?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\//, { message: 'SMTP_URL must start with smtp:// or smtps://' })
  smtpUrl?: string;

  @IsEmail()
  mailFrom = 'no-reply@kyoso.example.jp';

  /** Public base URL used in e-mails (invitation links). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\//)
  publicUrl?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'SESSION_SECRET must be at least 32 characters' })
  sessionSecret?: string;

  @IsIn(['development', 'production', 'test'])
  nodeEnv: 'development' | 'production' | 'test' = 'development';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  logLevel = 'info';

  /**
   * Which proxies in front of the app to trust for the client address and protocol (Express "trust proxy"):
   * `loopback` (default), a comma-separated list of addresses/subnets (e.g. the load balancer's), a hop count, or
   * true/false. Behind a load balancer on another host this must name it, or every request seems to come from the
   * balancer and the per-address sign-in throttle counts everyone's failures together.
   */
  @IsString()
  trustProxy = 'loopback';

  /** Run background workers (search outbox, job queue) in this process. */
  @Transform(toBool)
  @IsBoolean()
  runWorkers = true;

  get baseUrl(): string {
    return this.publicUrl ?? `http://localhost:${this.port}`;
  }

  resolveData(...parts: string[]): string {
    return path.resolve(this.dataDir, ...parts);
  }
}

const ENV_MAP: Record<string, keyof AppConfig> = {
  PORT: 'port',
  DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  MEILI_URL: 'meiliUrl',
  MEILI_MASTER_KEY: 'meiliMasterKey',
  MEILI_INDEX_PREFIX: 'meiliIndexPrefix',
  SEED_DEMO: 'seedDemo',
  SECRETARIAT_EMAIL: 'secretariatEmail',
  SECRETARIAT_PASSWORD: 'secretariatPassword',
  SMTP_URL: 'smtpUrl',
  MAIL_FROM: 'mailFrom',
  PUBLIC_URL: 'publicUrl',
  SESSION_SECRET: 'sessionSecret',
  NODE_ENV: 'nodeEnv',
  LOG_LEVEL: 'logLevel',
  RUN_WORKERS: 'runWorkers',
  TRUST_PROXY: 'trustProxy',
};

export class ConfigError extends Error {}

/** Reads the environment (plus overrides), validates it and explains every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const plain: Record<string, unknown> = {};
  for (const [envName, key] of Object.entries(ENV_MAP)) {
    if (env[envName] !== undefined) plain[key] = env[envName];
  }
  const config = plainToInstance(AppConfig, { ...plain, ...overrides });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length) {
    const lines = errors.flatMap((e) => Object.values(e.constraints ?? {}));
    throw new ConfigError(`Invalid configuration:\n  - ${lines.join('\n  - ')}`);
  }
  return config;
}
