import type { Logger } from '../../lib/logger.js';
import { formatUri, type Dialog, type SipEndpoint, type SipRequest, type Destination } from '../../sip/index.js';

/**
 * Ends a confirmed dialog from our side: it stops matching requests at once (the caller forgets it in
 * `forget`), then BYE goes out. Never throws: a BYE that cannot be built, routed (the peer's Contact
 * names a transport we lack) or sent is logged, and the call still ends here; the peer's own timers end
 * its side (RFC 3261 §13.3.1.4, §15).
 */
export function sendBye(o: { endpoint: SipEndpoint; dialog: Dialog; destination: Destination | undefined; sessionId: string; logger: Logger; forget(): void }): void {
  const { dialog, sessionId, logger: log } = o;
  if (dialog.state === 'Terminated') return;
  let bye: SipRequest | undefined;
  try {
    bye = dialog.createRequest('BYE');
  } catch (err) {
    log.warn({ err, sessionId }, 'BYE cannot be built; the call ends here without it');
  }
  dialog.terminate();
  o.forget();
  if (!bye) return;
  try {
    o.endpoint.sendRequest(bye, o.destination, {
      onTimeout: () => log.warn({ sessionId }, 'BYE not answered'),
      onTransportError: (err) => log.warn({ err, sessionId }, 'BYE could not be sent'),
    });
  } catch (err) {
    log.warn({ err, sessionId, target: formatUri(bye.uri) }, 'BYE cannot be routed; the call ends here without it');
  }
}
