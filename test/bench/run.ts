/**
 * npm run bench [-- --scale N | --quick] [--seconds S] [--lag-seconds S] [--no-double] [--service-docs N] [--data-dir DIR] [--keep] [--log-level L]
 * See test/bench/README-performance.md.
 */
import { renderTable, runBench } from './bench';

function parse(argv: string[]) {
  const opts = {
    serviceDocs: 200,
    scale: 50_000,
    seconds: 10,
    lagSeconds: 30,
    doubleScale: true,
    keep: false,
    dataDir: undefined as string | undefined,
    logLevel: 'info',
    quick: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v <= 0) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--quick') {
      opts.quick = true;
      opts.scale = 2000;
      opts.seconds = 3;
      opts.lagSeconds = 5;
    } else if (a === '--scale') opts.scale = int();
    else if (a === '--seconds') opts.seconds = int();
    else if (a === '--lag-seconds') opts.lagSeconds = int();
    else if (a === '--no-double') opts.doubleScale = false;
    else if (a === '--service-docs') opts.serviceDocs = int();
    else if (a === '--keep') opts.keep = true;
    else if (a === '--data-dir') opts.dataDir = value();
    else if (a === '--log-level') opts.logLevel = value();
    else if (a === '--help' || a === '-h') {
      console.log(
        'npm run bench -- [--quick] [--scale N] [--seconds S] [--lag-seconds S] [--no-double] [--service-docs N] [--data-dir DIR] [--keep] [--log-level info|warn]',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  return opts;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parse(argv);
  const report = await runBench({ ...opts, command: `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}` });
  console.log('');
  console.log(renderTable(report));
  console.log('');
  const missed = report.targets.filter((t) => !t.pass);
  console.log(missed.length ? `targets missed: ${missed.map((t) => t.name).join('; ')}` : 'every target met');
  console.log(`report: ${report.files?.json}`);
  console.log(`        ${report.files?.md}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error('[bench] failed:', e);
    process.exit(1);
  },
);
