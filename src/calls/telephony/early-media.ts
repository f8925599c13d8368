import type { Logger } from '../../lib/logger.js';
import type { FrameClock } from '../../media/pacer.js';
import { Relay } from './bridge-relay.js';
import type { MediaChannel } from './media-channel.js';

/** The caller's side of early media: its channel, and whether it is still up (its channel open). */
export interface EarlyMediaCaller {
  readonly media: MediaChannel;
  readonly hungUp: boolean;
}

export interface EarlyMediaDeps {
  pacer: FrameClock;
  logger: Logger;
}

/**
 * Lets the caller hear a ringing leg's early media (RFC 3960): the far end answered the INVITE with a
 * 18x carrying SDP, and the leg's channel has been set up on it. Until the far end's first packet
 * arrives nothing changes and the caller keeps hearing its hold audio (ringback): a 183 with SDP is
 * only a promise of media, and some far ends send none. From the first packet on, one pacer source
 * relays frames both ways in place of both channels' own output (RFC 3960 §3.2: with media packets
 * coming in, play them and generate no local ringing), as in a bridge: the far end's early
 * session may be an announcement or an IVR that wants to hear the caller, and it is what the caller
 * would have had with a proxy in our place. The SDP's direction still holds: a far end that said
 * `a=sendonly` is sent nothing. Keys are not passed on before answer.
 *
 * Returns the function that ends it (answer, failure, cancel); called before the leg's channel is
 * closed. Both channels get their own pacer slots back, the caller's only while it is still up.
 */
export function relayEarlyMedia(caller: EarlyMediaCaller, leg: MediaChannel, deps: EarlyMediaDeps): () => void {
  const toCaller = new Relay(leg, caller.media, false);
  const toLeg = new Relay(caller.media, leg, false);
  let flowing = false;
  let stopped = false;
  let stopTicking: (() => void) | undefined;

  const start = (): void => {
    flowing = true;
    deps.pacer.unregister(caller.media);
    deps.pacer.unregister(leg);
    caller.media.inboundTap = (_pcm, codes) => toLeg.push(codes);
    stopTicking = deps.pacer.register({
      tick: () => {
        toCaller.tick();
        toLeg.tick();
      },
    });
    deps.logger.info('early media: the caller hears the far end instead of ringback');
  };

  leg.inboundTap = (_pcm, codes) => {
    if (stopped || caller.hungUp) return;
    if (!flowing) start();
    toCaller.push(codes);
  };

  return () => {
    if (stopped) return;
    stopped = true;
    leg.inboundTap = undefined;
    if (!flowing) return;
    stopTicking?.();
    caller.media.inboundTap = undefined;
    if (!caller.hungUp) deps.pacer.register(caller.media);
    deps.pacer.register(leg);
    deps.logger.info({ toCaller: toCaller.stats, toCallee: toLeg.stats }, 'early media ended');
  };
}
