/**
 * When `hookline serve` should stop: SIGINT (Ctrl-C), SIGTERM (`kill`, systemd, docker stop), or, when
 * npm started it, its parent process going away (Settings.exitWithParent says why npm needs that).
 *
 * The shutdown then drains the calls in progress (src/server/drain.ts); see secondSignal for what the
 * next signals do.
 */
export function shutdownRequested(o: { exitWithParent: boolean; pollMs?: number }): Promise<string> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    let timer: NodeJS.Timeout | undefined;
    const done = (why: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      clearInterval(timer);
      resolve(why);
    };
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    if (o.exitWithParent) {
      // No event tells a process that its parent died (prctl's PDEATHSIG is not reachable from Node):
      // poll. An orphan is adopted by init or a subreaper, so its parent pid changes.
      timer = setInterval(() => {
        if (process.ppid !== parent) done(`parent process ${parent} exited`);
      }, o.pollMs ?? 500);
      timer.unref();
    }
  });
}

/**
 * During the drain, a second SIGINT or SIGTERM means "now": `onSignal` runs (the calls are ended at once,
 * without their goodbye). After it nothing catches these signals any more, so a third one ends the
 * process at once: the way out when closing hangs. Returns the remover (for a drain that ended first).
 */
export function secondSignal(onSignal: () => void): () => void {
  const off = (): void => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const on = (): void => {
    off();
    onSignal();
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return off;
}
