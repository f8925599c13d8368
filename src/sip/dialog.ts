import { SipError } from './errors.js';
import { formatNameAddr, parseNameAddr, tagOf, type NameAddr } from './header-values.js';
import { SipRequest, type HeaderInit, type SipResponse } from './message.js';
import { cloneUri, formatUri, isSipUri, type Uri } from './uri.js';

/**
 * Dialog state (RFC 3261 §12): what an INVITE and the response that made the dialog fix (Call-ID,
 * tags, route set), what changes (CSeq numbers, remote target), and the in-dialog requests built
 * from it (§12.2.1.1). Early on a 1xx with a To tag, Confirmed on a 2xx, Terminated by BYE.
 */
export type DialogState = 'Early' | 'Confirmed' | 'Terminated';

export interface InDialogRequestOptions {
  headers?: HeaderInit;
  body?: string | Buffer;
  contentType?: string;
  /** Contact to send; target-refresh requests (INVITE, UPDATE) need one (§12.2.1.1). */
  contact?: string;
}

export type RequestCheck = { ok: true } | { ok: false; status: number; reason: string };

export class Dialog {
  state: DialogState;
  /** 0 = not chosen yet (UAS side before its first request, §12.1.1). */
  localSeq: number;
  /** undefined = empty (UAC side before the first request from the peer, §12.1.2). */
  remoteSeq: number | undefined;
  remoteTarget: Uri;

  private constructor(
    readonly role: 'uac' | 'uas',
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    readonly localUri: NameAddr,
    readonly remoteUri: NameAddr,
    /** Route header values, in the order requests carry them. */
    readonly routeSet: readonly string[],
    init: { state: DialogState; localSeq: number; remoteSeq: number | undefined; remoteTarget: Uri },
  ) {
    this.state = init.state;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
  }

  /** §12.1.1: the UAS side, from the INVITE and our 101-299 response carrying our To tag. */
  static fromUas(invite: SipRequest, response: SipResponse): Dialog {
    const localTag = requireDialogResponse(response);
    const contact = invite.contact;
    if (!contact) throw new SipError('SIP_DIALOG', 'the INVITE has no Contact: no remote target');
    return new Dialog(
      'uas',
      invite.callId,
      localTag,
      tagOf(invite.from) ?? '',
      withoutTag(invite.to),
      withoutTag(invite.from),
      invite.getAll('Record-Route'),
      { state: stateFor(response), localSeq: 0, remoteSeq: invite.cseq.seq, remoteTarget: contact.uri },
    );
  }

  /** §12.1.2: the UAC side, from our INVITE and a 101-299 response with a To tag. */
  static fromUac(invite: SipRequest, response: SipResponse): Dialog {
    const remoteTag = requireDialogResponse(response);
    const localTag = tagOf(invite.from);
    if (!localTag) throw new SipError('SIP_DIALOG', 'the INVITE has no From tag');
    // A provisional response may lack Contact in practice; the Request-URI is the best target then.
    const target = response.contact?.uri ?? invite.uri;
    return new Dialog(
      'uac',
      invite.callId,
      localTag,
      remoteTag,
      withoutTag(invite.from),
      withoutTag(response.to),
      [...response.getAll('Record-Route')].reverse(),
      { state: stateFor(response), localSeq: invite.cseq.seq, remoteSeq: undefined, remoteTarget: target },
    );
  }

  /** Call-ID, local tag and remote tag: how a dialog is identified (§12). */
  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  /** The id of the dialog a received request belongs to: our tag is in To, theirs in From. */
  static idOfRequest(req: SipRequest): string {
    return dialogId(req.callId, tagOf(req.to) ?? '', tagOf(req.from) ?? '');
  }

  /** The id of the dialog a response to our request belongs to: our tag is in From. */
  static idOfResponse(res: SipResponse): string {
    return dialogId(res.callId, tagOf(res.from) ?? '', tagOf(res.to) ?? '');
  }

  /** A 2xx for the INVITE confirms the dialog and may move the target (§12.2.1.2, §13.2.2.4). */
  confirm(response?: SipResponse): void {
    if (this.state === 'Terminated') return;
    this.state = 'Confirmed';
    if (response) this.refreshTarget(response);
  }

  terminate(): void {
    this.state = 'Terminated';
  }

  /** Target refresh (§12.2): a re-INVITE, UPDATE or their 2xx may carry a new Contact. */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const c = msg.contact;
    if (c) this.remoteTarget = c.uri;
  }

  /**
   * §12.2.2: a request from the peer must not go back in CSeq; one that does gets 500. ACK and
   * CANCEL carry the CSeq of the request they belong to and are not checked.
   */
  checkRequest(req: SipRequest): RequestCheck {
    if (req.method === 'ACK' || req.method === 'CANCEL') return { ok: true };
    const seq = req.cseq.seq;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) {
      return { ok: false, status: 500, reason: 'Server Internal Error (CSeq out of order)' };
    }
    this.remoteSeq = seq;
    return { ok: true };
  }

  /** A request within the dialog (§12.2.1.1): BYE, re-INVITE, INFO, UPDATE... not ACK or CANCEL. */
  createRequest(method: string, opts: InDialogRequestOptions = {}): SipRequest {
    if (method === 'ACK' || method === 'CANCEL') throw new SipError('SIP_ARGUMENT', `${method} is not built by createRequest`);
    if (this.state === 'Terminated') throw new SipError('SIP_DIALOG', `dialog ${this.id} is terminated`);
    this.localSeq = this.localSeq === 0 ? 1 : this.localSeq + 1;
    return this.build(method, this.localSeq, opts);
  }

  /** The ACK for a 2xx to the INVITE with CSeq `inviteSeq` (§13.2.2.4): same number, method ACK. */
  createAck(inviteSeq: number, opts: Omit<InDialogRequestOptions, 'contact'> = {}): SipRequest {
    return this.build('ACK', inviteSeq, opts);
  }

  private build(method: string, seq: number, opts: InDialogRequestOptions): SipRequest {
    const { uri, routes } = this.routing();
    const req = new SipRequest(method, uri);
    req.append('Max-Forwards', 70);
    req.append('From', formatNameAddr(withTag(this.localUri, this.localTag)));
    req.append('To', formatNameAddr(withTag(this.remoteUri, this.remoteTag)));
    req.append('Call-ID', this.callId);
    req.append('CSeq', `${seq} ${method}`);
    for (const r of routes) req.append('Route', r);
    if (opts.contact) req.append('Contact', opts.contact);
    req.addHeaders(opts.headers);
    if (opts.body !== undefined) {
      req.body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
      if (opts.contentType) req.set('Content-Type', opts.contentType);
    }
    return req;
  }

  /**
   * §12.2.1.1: with a loose router first (";lr") the Request-URI is the remote target and Route the
   * route set; with a strict router the Request-URI is that router and the target goes last in Route.
   */
  private routing(): { uri: Uri; routes: string[] } {
    const first = this.routeSet[0];
    if (first === undefined) return { uri: this.remoteTarget, routes: [] };
    const firstUri = parseNameAddr(first, 'Route').uri;
    if (!isSipUri(firstUri) || firstUri.params.has('lr')) return { uri: this.remoteTarget, routes: [...this.routeSet] };
    const uri = cloneUri(firstUri);
    uri.headers = []; // §19.1.1: headers are not allowed in a Request-URI
    return { uri, routes: [...this.routeSet.slice(1), `<${formatUri(this.remoteTarget)}>`] };
  }
}

function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

function requireDialogResponse(res: SipResponse): string {
  if (res.status <= 100 || res.status >= 300) throw new SipError('SIP_DIALOG', `a ${res.status} does not create a dialog`);
  const tag = tagOf(res.to);
  if (!tag) throw new SipError('SIP_DIALOG', 'the response has no To tag');
  return tag;
}

function stateFor(res: SipResponse): DialogState {
  return res.status < 200 ? 'Early' : 'Confirmed';
}

function withoutTag(na: NameAddr): NameAddr {
  const params = new Map(na.params);
  params.delete('tag');
  return { ...na, params };
}

function withTag(na: NameAddr, tag: string): NameAddr {
  const params = new Map(na.params);
  if (tag) params.set('tag', tag);
  return { ...na, params };
}
