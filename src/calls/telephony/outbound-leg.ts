import type { Leg } from '../types.js';
import type { MediaChannel } from './media-channel.js';
import { SipPartyBase } from './sip-party.js';

/**
 * An answered outbound leg: the same media operations as the caller's call (so Find Me screening can
 * play to the callee and collect their "1"), signalling reduced to BYE. The server routes the far
 * end's in-dialog requests (BYE, INFO, re-INVITE) here through its dialog table.
 */
export class OutboundLeg extends SipPartyBase implements Leg {
  constructor(
    /** The caller's session id: a leg belongs to the call that placed it (`ivr_session_id`). */
    sessionId: string,
    readonly destination: string,
    media: MediaChannel,
    /** Ends the dialog with BYE (terminates it and forgets it at the server first). */
    private readonly sendBye: () => void,
  ) {
    super(sessionId, media);
  }

  protected endDialog(): void {
    this.sendBye();
  }
}
