/** What the telephony server keeps per dialog, to route in-dialog requests (server.ts, outbound.ts). */
import type { Dialog, RemoteInfo } from '../../sip/index.js';
import type { RtpSession } from '../../rtp/session.js';
import type { SdpOrigin } from '../../sdp/types.js';
import type { CallScope } from '../../lib/fault-net.js';
import type { CallEndReason } from '../types.js';
import type { MediaChannel } from './media-channel.js';

/** Either end of a dialog the server routes in-dialog requests to: an inbound call or an outbound leg. */
export interface SipParty {
  readonly sessionId: string;
  readonly media: MediaChannel;
  hangup(): Promise<void>;
  remoteHangup(reason?: CallEndReason): Promise<void>;
  /** A key that came by SIP INFO. */
  infoDigit(key: string): void;
}

export interface DialogEntry {
  call: SipParty;
  session: RtpSession;
  dialog?: Dialog;
  origin: SdpOrigin;
  /** Our SDP went in the 200 as an offer (INVITE without SDP): the answer comes in the ACK. */
  awaitingAnswer: boolean;
  /** Where the dialog's requests come from (inbound) or go to (outbound: the trunk). */
  source: RemoteInfo;
  /** The call whose work in-dialog requests are (the process-level net ends it on a fault). */
  scope?: CallScope;
}
