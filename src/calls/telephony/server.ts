import { newSessionId } from '../../lib/ids.js';
import { runInCallScope, type CallScope } from '../../lib/fault-net.js';
import { createSipEndpoint, type Registration, Dialog, InviteServerTransaction, SipError, quote, tagOf, type SipEndpoint, type SipRequest, type ServerTransaction, type Destination, type ReceiveQueue } from '../../sip/index.js';
import { RtpSession } from '../../rtp/session.js';
import { PortAllocator } from '../../rtp/ports.js';
import { negotiate, createOffer, parseAnswer, SdpError } from '../../sdp/index.js';
import type { SdpOrigin } from '../../sdp/types.js';
import { MediaChannel, type MediaChannelDeps } from './media-channel.js';
import { TelephonyCall } from './call.js';
import { applyMedia, infoDigit } from './sdp-media.js';
import { sendBye } from './bye.js';
import type { OutboundHost } from './outbound.js';
import { Trunk } from './trunk.js';
import { SipAccess } from './access.js';
import type { DialogEntry } from './dialog-entry.js';
import { CallAdmission } from './admission.js';
import { registerWithTrunk } from './trunk-registration.js';
import type { TelephonyOptions } from './server-options.js';

export type { TelephonyOptions } from './server-options.js';

/** How long shutdown waits for the registrar to answer our unREGISTER. */
const UNREGISTER_WAIT_MS = 2000;

type Entry = DialogEntry;

/**
 * Calls over SIP (UDP and TCP on the same port): turns each INVITE into a TelephonyCall with its RTP
 * session and hands it to the flow; places outbound legs through the trunk from the same port; routes
 * in-dialog BYE, re-INVITE, INFO and ACK to the call or leg whose dialog they belong to.
 */
export class TelephonyServer {
  private readonly calls = new Map<string, Entry>();
  private readonly allocator: PortAllocator;
  private endpoint!: SipEndpoint;
  private registration: Registration | undefined;
  /** Which new INVITEs get 503 (shutdown, database away, the call limit, late audio): its count of incoming calls and refusals. */
  readonly admission: CallAdmission;
  /** Present when a trunk is configured. */
  readonly trunk: Trunk | undefined;
  /** The guard in front of the SIP port, and the addresses it lets call. */
  readonly access: SipAccess;

  private constructor(private readonly o: TelephonyOptions) {
    this.allocator = new PortAllocator(o.rtpPorts.min, o.rtpPorts.max);
    // Its frames, or its own timer: with HOOKLINE_MEDIA_PRIORITY=audio the frames stay on time in an
    // overload and only the timer shows the control work queueing behind them.
    this.admission = new CallAdmission({ ...o, lateness: () => Math.max(o.pacer.recentLatenessMs(), o.pacer.recentLoopLagMs()) });
    this.access = new SipAccess(o.access, { clock: o.clock, logger: o.logger, trunkHost: o.trunk?.host });
    this.trunk = o.trunk
      ? new Trunk(o.trunk, this.outboundHost(), { ...(o.checkDial ? { checkDial: o.checkDial } : {}), ...(o.dialLimits ? { perCall: o.dialLimits } : {}) })
      : undefined;
  }

  private get mediaDeps(): MediaChannelDeps {
    return { pacer: this.o.pacer, clock: this.o.clock, renderer: this.o.renderer, logger: this.o.logger };
  }

  /** What the trunk needs of the server: the shared endpoint, port range and pacer, and its dialog table. */
  private outboundHost(): OutboundHost {
    // The endpoint is bound after construction (start()): read it when a leg is placed.
    const endpoint = (): SipEndpoint => this.endpoint;
    return {
      get endpoint() {
        return endpoint();
      },
      allocator: this.allocator,
      bindHost: this.o.host,
      ...(this.o.rtpSender && { rtpSender: this.o.rtpSender }),
      advertisedHost: this.o.advertisedHost ?? this.o.host,
      media: this.mediaDeps,
      adopt: (entry) => {
        if (entry.dialog) this.calls.set(entry.dialog.id, entry);
      },
      bye: (entry) => this.bye(entry),
    };
  }

  static async start(o: TelephonyOptions): Promise<TelephonyServer> {
    const server = new TelephonyServer(o);
    await server.access.start(); // the trunk's addresses are allowed from the first packet
    const bind = (udpPort: number, tcpPort?: number): Promise<SipEndpoint> =>
      createSipEndpoint({
        host: o.host,
        ...(o.advertisedHost ? { advertisedHost: o.advertisedHost } : {}),
        udpPort,
        // Not for the port-0 probe below (UDP only), which would say a second time what the kernel granted.
        ...(o.sipUdpBuffer !== undefined && tcpPort !== undefined ? { udpReceiveBuffer: o.sipUdpBuffer } : {}),
        ...(tcpPort !== undefined ? { tcpPort } : {}),
        clock: o.clock,
        logger: o.logger,
        ...(o.userAgent ? { userAgent: o.userAgent } : {}),
        guard: server.access.guard,
        isKnownDialog: (req) => server.calls.has(Dialog.idOfRequest(req)),
        connectionInUse: (id) => [...server.calls.values()].some((e) => e.source.transport === 'TCP' && e.source.connectionId === id),
        // OPTIONS probes (Kamailio's dispatcher) get 503 whenever a new call would.
        unavailableFor: () => server.admission.unavailableFor(),
        methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'INFO'],
        onRequest: (req, tx) => server.onRequest(req, tx),
        onAck: (ack) => server.onAck(ack),
      });
    if (o.sipPort !== 0) {
      server.endpoint = await bind(o.sipPort, o.sipPort);
      server.registration = registerWithTrunk(server.endpoint, o);
      return server;
    }
    // Port 0: UDP and TCP must share the one port the OS picks (it is announced as one SIP port, and
    // Via/Contact carry one sent-by). Let the OS pick it for UDP, then bind both there; another process
    // may take it in between (or hold it for TCP only), so try a few ports.
    for (let attempt = 1; ; attempt++) {
      const probe = await bind(0);
      const port = probe.transport('UDP')!.port;
      await probe.close();
      try {
        server.endpoint = await bind(port, port);
        server.registration = registerWithTrunk(server.endpoint, o);
        return server;
      } catch (err) {
        if (attempt >= 10 || !(err instanceof SipError && err.code === 'SIP_TRANSPORT')) throw err;
      }
    }
  }

  /** A shutdown: new calls get 503 + Retry-After (a trunk tries elsewhere, or here later); calls in progress go on. */
  refuseNewCalls(retryAfterS: number): void {
    this.admission.refuseNewCalls(retryAfterS);
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /** The SIP UDP socket's receive queue, for /metrics and the heartbeat's load. */
  get sipReceiveQueue(): ReceiveQueue | undefined {
    return this.endpoint.transport('UDP')?.receiveQueue;
  }

  /** The SIP port actually bound (useful with port 0). */
  port(protocol: 'UDP' | 'TCP' = 'UDP'): number {
    return Number(this.endpoint.sentBy(protocol).split(':').pop());
  }

  async close(): Promise<void> {
    // The unREGISTER is a courtesy: a registrar that does not answer must not hold shutdown for Timer F
    // (32 s), past the 10 s a container runtime waits before killing the process.
    if (this.registration) {
      let cancel = (): void => undefined;
      const bound = new Promise<void>((resolve) => (cancel = this.o.clock.setTimer(UNREGISTER_WAIT_MS, resolve)));
      await Promise.race([this.registration.stop().catch(() => undefined), bound]);
      cancel();
    }
    this.trunk?.close();
    this.access.close();
    await Promise.all([...this.calls.values()].map((e) => e.call.hangup().catch(() => undefined)));
    await this.endpoint.close();
  }

  private onRequest(req: SipRequest, tx: ServerTransaction): void {
    if (req.method === 'INVITE' && !tagOf(req.to) && tx instanceof InviteServerTransaction) {
      const release = this.admission.admit(tx);
      if (!release) return;
      // Everything this call does from here on runs in its scope, so that a fault nobody caught ends
      // this call and no other (src/lib/fault-net.ts).
      const holder: { call?: TelephonyCall } = {};
      const scope: CallScope = {
        sessionId: newSessionId(),
        end: () => (holder.call ? holder.call.hangup() : tx.answered ? undefined : tx.respond(500)),
      };
      runInCallScope(scope, () =>
        this.newCall(req, tx, scope, holder)
          .catch((err: unknown) => {
            this.o.logger.error({ err, sessionId: scope.sessionId }, 'could not set up an incoming call');
            if (!tx.answered) tx.respond(500, 'Server Internal Error');
            // A call set up halfway is ended too, so that it frees its media and its place in the count.
            holder.call?.hangup().catch(() => undefined);
          })
          // Its place is free once the call is over, or at once when it never became one (488, CANCEL, no port).
          .finally(() => (holder.call ? void holder.call.ended.then(release) : release())),
      );
      return;
    }
    const entry = this.calls.get(Dialog.idOfRequest(req));
    if (!entry?.dialog) {
      tx.respond(481, 'Call/Transaction Does Not Exist');
      return;
    }
    if (entry.scope) runInCallScope(entry.scope, () => this.inDialog(entry, req, tx));
    else this.inDialog(entry, req, tx);
  }

  private inDialog(entry: Entry, req: SipRequest, tx: ServerTransaction): void {
    if (!entry.dialog) return;
    const check = entry.dialog.checkRequest(req);
    if (!check.ok) {
      tx.respond(check.status, check.reason);
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(200);
        this.end(entry, 'remote_hangup');
        return;
      case 'INVITE':
        this.reInvite(entry, req, tx);
        return;
      case 'INFO': {
        const key = req.body.length ? infoDigit(req.contentType, req.text) : undefined;
        if (req.body.length && key === undefined) {
          tx.respond(415, 'Unsupported Media Type', { headers: { Accept: 'application/dtmf-relay, application/dtmf' } });
          return;
        }
        tx.respond(200);
        if (key) entry.call.infoDigit(key);
        return;
      }
      default:
        tx.respond(501, 'Not Implemented');
    }
  }

  private async newCall(req: SipRequest, tx: InviteServerTransaction, scope: CallScope, holder: { call?: TelephonyCall }): Promise<void> {
    const uri = req.uri;
    const number = 'user' in uri && uri.user ? uri.user : '';
    const fromUri = req.from.uri;
    const rawFrom = 'user' in fromUri && fromUri.user ? fromUri.user : '';
    // Withheld or non-numeric caller ids ("anonymous") are reported as empty, as the spec asks.
    const from = /^\+?[0-9]+$/.test(rawFrom) ? rawFrom : '';
    const offer = req.body.length && (req.contentType ?? '').toLowerCase().startsWith('application/sdp') ? req.text : undefined;

    let session: RtpSession;
    try {
      session = await RtpSession.open({ allocator: this.allocator, bindAddress: this.o.host, payloadType: 0, clock: this.o.clock, dtmf: { emitOn: 'start' }, ...(this.o.rtpSender && { sender: this.o.rtpSender }) });
    } catch (err) {
      this.o.logger.error({ err }, 'no RTP port free');
      tx.respond(503, 'Service Unavailable', { headers: { 'Retry-After': 5 } });
      return;
    }
    const local = { address: this.o.advertisedHost ?? this.o.host, port: session.localPort };
    let sdp: string;
    let origin: SdpOrigin;
    let law: 'ulaw' | 'alaw' = 'ulaw';
    try {
      if (offer !== undefined) {
        const n = negotiate(offer, local);
        applyMedia(session, undefined, n);
        law = n.codec === 'PCMU' ? 'ulaw' : 'alaw';
        sdp = n.answerSdp;
        origin = n.origin;
      } else {
        ({ sdp, origin } = createOffer(local));
      }
    } catch (err) {
      await session.close();
      if (err instanceof SdpError) {
        this.o.logger.warn({ reason: err.message, callId: req.callId, sessionId: scope.sessionId }, 'offer refused with 488');
        // warn-agent (§20.43): our address, not the software's name.
        tx.respond(488, 'Not Acceptable Here', { headers: { Warning: `304 ${this.endpoint.sentBy(tx.source.transport)} ${quote(err.message)}` } });
        return;
      }
      throw err;
    }
    if (tx.cancelled) {
      await session.close();
      return;
    }
    const media = new MediaChannel(session, law, this.mediaDeps);
    const sessionId = scope.sessionId;
    // The signalling callbacks need the entry, which needs the call: filled in right below.
    const ref: { entry?: Entry } = {};
    const call = new TelephonyCall(sessionId, from, number, {
      answer: async () => {
        const entry = ref.entry;
        if (tx.cancelled || !entry) return;
        const ok = tx.respond(200, 'OK', { headers: { 'Content-Type': 'application/sdp' }, body: sdp });
        // What went out instead (a 500 for a 200 that could not be written) is logged by the transaction.
        if (ok?.status !== 200) throw new SipError('SIP_STATE', 'the call could not be answered');
        entry.dialog = Dialog.fromUas(req, ok);
        this.calls.set(entry.dialog.id, entry);
      },
      hangup: async () => {
        const entry = ref.entry;
        if (!entry) return;
        if (!entry.dialog) {
          if (!tx.answered) tx.respond(480, 'Temporarily Unavailable');
          return;
        }
        this.bye(entry);
      },
    }, media, this.o.logger.child({ sessionId }), this.trunk);
    holder.call = call;
    const e: Entry = { call, session, origin, awaitingAnswer: offer === undefined, source: tx.source, scope };
    ref.entry = e;
    tx.onCancel(() => this.end(e, 'remote_hangup'));
    // Timer H: our 200 was never acknowledged; the caller is gone (RFC 3261 §13.3.1.4: send BYE).
    tx.onFailure((err) => {
      this.o.logger.warn({ sessionId, reason: err.message }, 'no ACK for our answer; hanging up');
      this.settle(call.hangup(), sessionId, 'hang-up after a missing ACK failed');
    });
    this.o.logger.info({ sessionId, from, to: number, callId: req.callId, transport: tx.source.transport }, 'incoming call');
    this.o.onCall(call);
  }

  /** In-dialog requests go back where the dialog's requests came from over TCP; over UDP to the remote target. */
  private destination(entry: Entry): Destination | undefined {
    return entry.source.transport === 'TCP' ? { ...entry.source } : undefined;
  }

  /** We end a confirmed dialog; never throws (see sendBye). */
  private bye(entry: Entry): void {
    const dialog = entry.dialog;
    if (!dialog) return;
    sendBye({ endpoint: this.endpoint, dialog, destination: this.destination(entry), sessionId: entry.call.sessionId, logger: this.o.logger, forget: () => this.calls.delete(dialog.id) });
  }

  /** Handles the outcome of a promise nobody awaits: a rejection is logged against its call. */
  private settle(p: Promise<unknown>, sessionId: string, what: string): void {
    p.catch((err: unknown) => this.o.logger.error({ err, sessionId }, what));
  }

  private onAck(ack: SipRequest): void {
    const entry = this.calls.get(Dialog.idOfRequest(ack));
    if (!entry?.awaitingAnswer) return;
    if (entry.scope) runInCallScope(entry.scope, () => this.lateAnswer(entry, ack));
    else this.lateAnswer(entry, ack);
  }

  private lateAnswer(entry: Entry, ack: SipRequest): void {
    entry.awaitingAnswer = false;
    try {
      applyMedia(entry.session, entry.call.media, parseAnswer(ack.text, { address: this.o.advertisedHost ?? this.o.host, port: entry.session.localPort, previous: entry.origin }));
    } catch (err) {
      // An ACK without a usable answer leaves no common codec: the only clean way out is BYE.
      this.o.logger.warn({ err, sessionId: entry.call.sessionId }, 'late-offer answer unusable; hanging up');
      this.settle(entry.call.hangup(), entry.call.sessionId, 'hang-up after an unusable answer failed');
    }
  }

  private reInvite(entry: Entry, req: SipRequest, tx: ServerTransaction): void {
    const local = { address: this.o.advertisedHost ?? this.o.host, port: entry.session.localPort, previous: entry.origin };
    try {
      let body: string;
      if (req.body.length) {
        const n = negotiate(req.text, local);
        applyMedia(entry.session, entry.call.media, n);
        entry.origin = n.origin;
        body = n.answerSdp;
      } else {
        const o = createOffer(local);
        entry.origin = o.origin;
        entry.awaitingAnswer = true;
        body = o.sdp;
      }
      tx.respond(200, 'OK', { headers: { 'Content-Type': 'application/sdp' }, body });
      entry.dialog?.refreshTarget(req);
    } catch (err) {
      // RFC 3264 §8: a refused re-offer leaves the session as it was.
      tx.respond(488, 'Not Acceptable Here');
      this.o.logger.warn({ err, sessionId: entry.call.sessionId }, 're-INVITE refused');
    }
  }

  private end(entry: Entry, reason: 'remote_hangup' | 'failed'): void {
    if (entry.dialog) {
      entry.dialog.terminate();
      this.calls.delete(entry.dialog.id);
    }
    this.settle(entry.call.remoteHangup(reason), entry.call.sessionId, 'ending the call failed');
  }
}
