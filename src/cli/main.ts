import { Command, CommanderError } from 'commander';
import { loadSettings, type CliOptions } from '../config/settings.js';
import { loadFlowsFile } from '../config/flows.js';
import { ConfigError } from '../config/errors.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { openStore } from '../server/open-store.js';
import { simulate } from './simulate.js';
import { serveCommand } from './serve.js';
import { VERSION } from '../version.js';
import { writeFile } from 'node:fs/promises';
import { ConfigService } from '../admin/config-service.js';
import { exportYaml } from '../admin/config-export.js';
import { StartupError } from '../server/startup-error.js';

/** Exit statuses: 0 done, 1 runtime failure, 2 bad configuration or usage, or any other failure to start. */
export async function main(argv: string[], env: Record<string, string | undefined>, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const program = new Command('hookline').description('Self-hosted programmable IVR server').version(VERSION);
  program.exitOverride();
  let status = 0;

  const common = (cmd: Command): Command =>
    cmd
      .option('--flows <file>', 'flows file (HOOKLINE_FLOWS)')
      .option('--data-dir <dir>', 'data directory (HOOKLINE_DATA_DIR, default ./data)')
      .option('--log-level <level>', 'log level (HOOKLINE_LOG_LEVEL, default info)');

  common(program.command('serve').description('run the server: SIP, RTP and HTTP'))
    .option('--sip-port <n>', 'SIP port, UDP and TCP (HOOKLINE_SIP_PORT, default 5060)')
    .option('--http-port <n>', 'HTTP port (HOOKLINE_HTTP_PORT, default 8080)')
    .option('--rtp-ports <a-b>', 'RTP port range (HOOKLINE_RTP_PORTS, default 20000-20999)')
    .option('--demo', 'also serve the demo webhook at /demo/hook')
    .action(async (opts: Partial<CliOptions> & { demo?: boolean }) => {
      // The banner is all a server prints on stdout: a reader gone (`hookline serve | head -3`) stops nothing.
      onStdoutClosed(() => {});
      status = await withConfig(env, opts, async (settings, logger) => serveCommand(settings, logger, { demo: opts.demo === true, out }));
    });

  common(program.command('simulate').description('run one call without a phone'))
    .requiredOption('--to <number>', 'the dialed number')
    .option('--from <number>', 'caller id', '')
    .option('--keys <keys>', 'the caller\'s key presses; "," waits one second; the end of the keys hangs up', '')
    .option('--far-end <spec>', 'how dialled numbers behave, e.g. "3125550101=answer@2:1,3125550102=busy"', '')
    .option('--json', 'one JSON event a line', false)
    .action(async (opts: Partial<CliOptions> & { to: string; from: string; keys: string; farEnd: string; json: boolean }) => {
      // A simulation prints its own story on stdout; only warnings belong on stderr unless asked for.
      const quiet = opts.logLevel === undefined && !env['HOOKLINE_LOG_LEVEL'] ? { logLevel: 'warn' as const } : {};
      // A reader that stops reading (`hookline simulate --json | head -2`) got what it wanted: end the
      // run there and quietly, as SIGPIPE ends a C program, but with status 0. What was stored so far
      // stays (SQLite's WAL survives the exit; queued post-call actions go out with the next run).
      onStdoutClosed(() => process.exit(0));
      status = await withConfig(env, { ...opts, ...quiet }, async (settings, logger) => {
        const file = loadFlowsFile(settings.flowsPath);
        const store = await openStore(settings);
        try {
          // The flows file plus what was made through the API in this data dir, as `serve` would run it.
          const flows = (await ConfigService.open({ file, repo: store.config, logger })).current();
          await simulate(opts, { flows, store, logger, dataDir: settings.dataDir, dialAllow: settings.dialAllow, dialPerCall: settings.dialPerCall, dialSimultaneous: settings.dialSimultaneous, webhookNetworks: settings.webhookNetworks, out });
        } finally {
          await store.close();
        }
        return 0;
      });
    });

  common(program.command('export').description('write the whole configuration (flows file + API-made items) as one flows file'))
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (opts: Partial<CliOptions> & { output?: string }) => {
      status = await withConfig(env, opts, async (settings, logger) => {
        const file = loadFlowsFile(settings.flowsPath);
        const store = await openStore(settings);
        try {
          const yaml = exportYaml(await ConfigService.open({ file, repo: store.config, logger }));
          if (opts.output) await writeFile(opts.output, yaml);
          else out(yaml.replace(/\n$/, ''));
        } finally {
          await store.close();
        }
        return 0;
      });
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return status;
}

/** Loads settings; a configuration mistake or start-up failure is one line on stderr and status 2, never a stack trace. */
async function withConfig(
  env: Record<string, string | undefined>,
  cli: Partial<CliOptions>,
  run: (settings: ReturnType<typeof loadSettings>, logger: Logger) => Promise<number>,
): Promise<number> {
  try {
    const settings = loadSettings(cli, env);
    return await run(settings, createLogger(settings.logLevel));
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      process.stderr.write(`hookline: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/**
 * Node ignores SIGPIPE, so a closed stdout shows up as an EPIPE 'error' on the stream, which would
 * crash the process with a stack trace if nobody listened. Other write errors stay fatal.
 */
function onStdoutClosed(then: () => void): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    then();
  });
}
