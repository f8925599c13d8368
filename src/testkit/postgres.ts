/**
 * A throw-away Postgres cluster for tests: initdb into a temporary directory, pg_ctl start on a port of
 * 127.0.0.1 the OS picked, and `pg_ctl stop` plus removal at the end. Nothing assumes a server is
 * already running, and each test file gets its own cluster, so files can run side by side.
 *
 * The binaries come from Debian's `postgresql` package, which puts them in /usr/lib/postgresql/<major>/bin
 * (not on PATH); PATH is tried first for other systems. initdb refuses to run as root, and CI runs as
 * root: then the cluster is made and run as the `postgres` user the package creates, in a directory
 * handed to that user.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CI } from './system-tools.js';
import { freePort } from './ports.js';

export interface PgCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  port: number;
  /** A new, empty database on this cluster; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server (fast shutdown: connections are cut) and starts it again on the same port: an outage. */
  halt(): void;
  resume(): void;
  stop(): Promise<void>;
}

function onPath(program: string): boolean {
  return spawnSync(program, ['--version'], { timeout: 5000 }).error === undefined;
}

/** The directory holding initdb and pg_ctl, or undefined when Postgres is not installed. */
export function postgresBinDir(): string | undefined {
  if (onPath('initdb') && onPath('pg_ctl')) return '';
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((d) => /^[0-9]+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  for (const m of majors) {
    const dir = path.join(base, m, 'bin');
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

export const POSTGRES_BIN = postgresBinDir();

/**
 * Whether to skip the Postgres tests: only where the binaries are missing and only outside CI (under
 * CI=1 they run and fail, so a CI image without Postgres cannot pass by skipping).
 */
export function skipWithoutPostgres(): boolean {
  if (POSTGRES_BIN !== undefined) return false;
  if (CI) return false;
  console.warn('[tests] Postgres is not installed (Debian: apt-get install postgresql): the Postgres tests are skipped. Under CI (CI=1) they fail instead.');
  return true;
}

const asRoot = userInfo().uid === 0;

/**
 * Runs a Postgres program, as the `postgres` user when we are root (initdb and postgres refuse root), in
 * `cwd` (the cluster's directory, which that user can enter, unlike perhaps the checkout).
 */
function run(program: string, args: string[], cwd: string): void {
  const bin = POSTGRES_BIN ? path.join(POSTGRES_BIN, program) : program;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

let counter = 0;

/** Starts a fresh cluster; call `stop()` in afterAll. */
export async function startPostgres(): Promise<PgCluster> {
  if (POSTGRES_BIN === undefined) throw new Error('Postgres is not installed (Debian: apt-get install postgresql)');
  const dir = mkdtempSync(path.join(tmpdir(), 'hookline-pg-'));
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], dir);
  const port = await freePort({ tcp: true });
  // Durability off: a test cluster is thrown away, and fsync per commit on a shared disk only slows tests.
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = (): void => run('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start'], dir);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    port,
    async createDatabase(prefix = 'test') {
      const name = `${prefix}_${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    halt() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], dir);
    },
    resume() {
      start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'], dir);
      } catch {
        // already down (a test that halted it)
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
