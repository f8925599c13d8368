/**
 * Webhook URLs that point at this hookline's own HTTP server.
 *
 * A URL in the flows file may be written as a path (`/demo/hook?step=lookup`) instead of
 * `http://host:port/...`. It means "the HTTP server of the hookline that sends it", whatever port that
 * server ended up on: `serve` resolves it against the address it actually bound (port 0, `--http-port
 * 9090`, HOOKLINE_SIP_HOST), `simulate` against the small server it starts for the demo webhook. Writing
 * the port into the file instead would tie the file to one deployment and break `simulate`, which runs
 * without any server; resolving the path late, just before each request leaves, keeps the file (and
 * requests already queued in the outbox) independent of the port.
 */

/**
 * `/` followed by anything but a second `/` or a `\`: `//host/x` is a scheme-relative URL and `/\host`
 * reads as one too (WHATWG URL treats `\` like `/` for http), so both could leave this machine.
 */
export function isSelfPath(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\');
}

/** The host part of a URL for an address the server binds (a wildcard is reached on loopback). */
function urlHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '') return '127.0.0.1';
  if (bindHost === '::') return '[::1]';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

/** Where the own HTTP server listens, once it does; resolves the path URLs against it. */
export class SelfUrl {
  private base: string | undefined;

  /** Called once the HTTP server listens, with the address it was asked to bind and the port it got. */
  listening(bindHost: string, port: number): void {
    this.base = `http://${urlHost(bindHost)}:${port}`;
  }

  /** `http://127.0.0.1:8080`, or undefined while nothing listens. */
  get origin(): string | undefined {
    return this.base;
  }

  /**
   * The URL to send to: an absolute URL unchanged, a path joined to the server's origin; undefined for
   * a path while the server does not listen yet.
   */
  resolve(url: string): string | undefined {
    if (!isSelfPath(url)) return url;
    return this.base === undefined ? undefined : this.base + url;
  }
}
