/**
 * When `hookline serve` should stop: SIGINT (Ctrl-C), SIGTERM (`kill`, systemd, docker stop), or, when
 * npm started it, its parent process going away (Settings.exitWithParent says why npm needs that).
 *
 * A second signal during the shutdown is not caught any more, so it ends the process at once: the way
 * out when closing hangs.
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
