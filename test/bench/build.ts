import { transformFile } from '@swc/core';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Compiles the app (src, libs, migrations) and the bench's app process to plain CommonJS under
 * node_modules/.cache/kyoso-bench/dist, so the measured instance runs like `npm start` runs dist/: no TypeScript
 * loader in its memory or its CPU profile. Never touches dist/ (others may be using it). Incremental by mtime.
 */
export async function buildForBench(root = path.resolve(__dirname, '..', '..')): Promise<string> {
  const out = path.join(root, 'node_modules', '.cache', 'kyoso-bench');
  const dist = path.join(out, 'dist');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if ((e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.spec.ts')) || e.name.endsWith('.json'))
        files.push(full);
    }
  };
  for (const d of ['src', 'libs', 'migrations', path.join('test', 'bench')]) walk(path.join(root, d));
  const todo = files.filter((f) => {
    const target = path.join(dist, path.relative(root, f)).replace(/\.ts$/, '.js');
    try {
      return fs.statSync(target).mtimeMs < fs.statSync(f).mtimeMs;
    } catch {
      return true;
    }
  });
  for (let i = 0; i < todo.length; i += 32) {
    await Promise.all(
      todo.slice(i, i + 32).map(async (f) => {
        const target = path.join(dist, path.relative(root, f)).replace(/\.ts$/, '.js');
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (f.endsWith('.json')) {
          fs.copyFileSync(f, target);
          return;
        }
        const { code } = await transformFile(f, {
          swcrc: false,
          sourceMaps: false,
          jsc: {
            target: 'es2022',
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            keepClassNames: true,
          },
          module: { type: 'commonjs' },
        });
        fs.writeFileSync(target, code);
      }),
    );
  }
  // libs/common resolves views/ from a dist layout as <out>/views
  const views = path.join(out, 'views');
  if (!fs.existsSync(views)) fs.symlinkSync(path.join(root, 'views'), views, 'dir');
  return path.join(dist, 'test', 'bench', 'app-process.js');
}
