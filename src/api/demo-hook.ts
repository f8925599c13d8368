import { Hono, type Context } from 'hono';
import { serve } from '@hono/node-server';

/**
 * The demo flows' webhook (examples/demo-flows.yaml), so that `npm start` gives a callable IVR with no
 * other server running. It plays the part of a customer's server and tells the steps apart by the
 * static `step` parameter in the URL, as a real customer's server might.
 */
export async function demoHook(c: Context): Promise<Response> {
  const step = c.req.query('step');
  const body = c.req.method === 'POST' ? await c.req.parseBody() : {};
  const param = (name: string): string => {
    const v = c.req.query(name) ?? body[name];
    return typeof v === 'string' ? v : '';
  };
  const xml = (inner: string): Response => {
    c.header('Content-Type', 'text/xml');
    return c.body(`<action>${inner}</action>`);
  };
  switch (step) {
    case 'lookup': {
      const account = param('account').replace(/[^0-9]/g, '');
      return xml(
        '<app>SurVo</app><parameters><id>75</id>' +
          '<user_parameters><firstName>Bill</firstName><lastName>Johnson</lastName></user_parameters>' +
          `<p_t>account|${account}</p_t></parameters>`,
      );
    }
    case 'route':
      if (param('choice') === 'balance') return xml('<app>SurVo</app><parameters><id>80</id><user_parameters><balance>42.17</balance></user_parameters></parameters>');
      if (param('choice') === 'agent') return xml('<app>findme</app><parameters><id>4</id></parameters>');
      if (param('choice') === 'message') return xml('<app>voicemail</app><parameters><id>7</id></parameters>');
      return xml('<app>hangup</app>');
    case 'feedback': {
      const rating = Number(param('rating'));
      c.header('Content-Type', 'text/html');
      return c.body(
        `<html><body><p>Thank you for rating us <b>${rating || 'no'}</b> out of 5.</p>` +
          `<p>${rating >= 4 ? 'We are glad you are happy!' : 'We will do better.'} Goodbye.</p></body></html>`,
      );
    }
    case 'transcript':
    case 'voicemail':
      return c.body('');
    default:
      return xml('<app>hangup</app>');
  }
}

/**
 * The demo webhook alone on 127.0.0.1 and a port the OS picks: what `hookline simulate` sends the
 * flows' `/demo/hook` URLs to, so that the demo runs with no server started in another shell.
 */
export function serveDemoHook(): Promise<{ port: number; close(): Promise<void> }> {
  const app = new Hono();
  app.on(['GET', 'POST'], '/demo/hook', demoHook);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      resolve({ port: info.port, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
    server.once('error', reject);
  });
}
