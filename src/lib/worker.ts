/**
 * Starts a worker thread from a module beside the caller: `spawnWorker(new URL('./x-worker.js',
 * import.meta.url))`. Under tsx or vitest the caller is TypeScript source and so is the worker, which
 * Node cannot load on its own (`--import tsx` in execArgv does not reach a worker's entry module on
 * Node 20), so a two-line bootstrap registers tsx's hooks inside the worker first; a build runs the
 * .js directly. (speech/espeak-wasm.ts does the same for its worker.)
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export function spawnWorker(jsUrl: URL, callerUrl: string): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(jsUrl);
  const url = new URL(jsUrl.href.replace(/\.js$/, '.ts'));
  const require = createRequire(callerUrl);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = require(pkgPath) as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`;
  return new Worker(bootstrap, { eval: true });
}
