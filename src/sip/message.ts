import { parseError } from './errors.js';
import {
  formatVia,
  parseCallId,
  parseContact,
  parseCSeq,
  parseMaxForwards,
  parseNameAddr,
  parseOptionTags,
  parseVia,
  type ContactValue,
  type CSeq,
  type NameAddr,
  type Via,
} from './header-values.js';
import { canonicalName, headerKey, isListHeader, splitList } from './headers.js';
import { formatUri, type Uri } from './uri.js';

/**
 * The message model (RFC 3261 §7): a start line, an ordered list of header fields as received
 * (names canonical, compact forms expanded) and a body of bytes. Typed getters parse on demand;
 * the parser has already checked the ones a message needs, so on a parsed message they don't throw.
 */
export interface HeaderField {
  name: string;
  value: string;
}

/** Headers given by a caller: a record (arrays repeat the header) or fields in order. */
export type HeaderInit = Readonly<Record<string, string | number | readonly string[]>> | readonly HeaderField[];

abstract class SipMessageBase {
  headers: HeaderField[] = [];
  body: Buffer = Buffer.alloc(0);

  /** The first value: for list headers the first list element, otherwise the first field. */
  get(name: string): string | undefined {
    return this.getAll(name)[0];
  }

  /** Every value, in order; list headers split on their commas (§7.3.1). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const list = isListHeader(key);
    const out: string[] = [];
    for (const h of this.headers) {
      if (h.name.toLowerCase() !== key) continue;
      if (!list) out.push(h.value);
      else for (const v of splitList(h.value)) if (v !== '') out.push(v);
    }
    return out;
  }

  /** How many header fields (lines) carry this name; list elements are not counted. */
  count(name: string): number {
    const key = headerKey(name);
    return this.headers.filter((h) => h.name.toLowerCase() === key).length;
  }

  has(name: string): boolean {
    return this.count(name) > 0;
  }

  /** Replaces every field of this name with one (or, given an array, several in order). */
  set(name: string, value: string | number | readonly string[]): this {
    const key = headerKey(name);
    const at = this.headers.findIndex((h) => h.name.toLowerCase() === key);
    this.remove(name);
    const fields = toArray(value).map((v) => ({ name: canonicalName(name), value: v }));
    this.headers.splice(at >= 0 ? at : this.headers.length, 0, ...fields);
    return this;
  }

  append(name: string, value: string | number): this {
    this.headers.push({ name: canonicalName(name), value: String(value) });
    return this;
  }

  /** Adds a field before the first one of that name (or first of all): Via is pushed on top (§16.6). */
  prepend(name: string, value: string | number): this {
    const key = headerKey(name);
    const at = this.headers.findIndex((h) => h.name.toLowerCase() === key);
    this.headers.splice(at >= 0 ? at : 0, 0, { name: canonicalName(name), value: String(value) });
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    this.headers = this.headers.filter((h) => h.name.toLowerCase() !== key);
    return this;
  }

  addHeaders(init: HeaderInit | undefined): this {
    if (!init) return this;
    if (isFieldList(init)) for (const h of init) this.append(h.name, h.value);
    else for (const [name, value] of Object.entries(init)) for (const v of toArray(value)) this.append(name, v);
    return this;
  }

  get callId(): string {
    return parseCallId(this.single('Call-ID'));
  }

  get cseq(): CSeq {
    return parseCSeq(this.single('CSeq'));
  }

  get from(): NameAddr {
    return parseNameAddr(this.single('From'), 'From');
  }

  get to(): NameAddr {
    return parseNameAddr(this.single('To'), 'To');
  }

  get vias(): Via[] {
    return this.getAll('Via').map(parseVia);
  }

  get topVia(): Via {
    const v = this.get('Via');
    if (v === undefined) throw parseError('missing Via header');
    return parseVia(v);
  }

  /** Rewrites the top Via value in place (received/rport, §18.2.1 and RFC 3581). */
  set topVia(via: Via) {
    const idx = this.headers.findIndex((h) => h.name === 'Via');
    const field = this.headers[idx];
    if (!field) throw parseError('missing Via header');
    const rest = splitList(field.value).slice(1);
    field.value = [formatVia(via), ...rest].join(', ');
  }

  get contacts(): ContactValue[] {
    return this.getAll('Contact').map(parseContact);
  }

  /** The one Contact a dialog-forming message carries (§12.1), if it has one. */
  get contact(): NameAddr | undefined {
    const c = this.contacts[0];
    return c === '*' ? undefined : c;
  }

  get maxForwards(): number | undefined {
    const v = this.get('Max-Forwards');
    return v === undefined ? undefined : parseMaxForwards(v);
  }

  get contentType(): string | undefined {
    return this.get('Content-Type')?.trim();
  }

  get require(): string[] {
    return parseOptionTags(this.getAll('Require'));
  }

  get supported(): string[] {
    return parseOptionTags(this.getAll('Supported'));
  }

  /** The body as UTF-8 text (SDP, application/dtmf-relay, ...). */
  get text(): string {
    return this.body.toString('utf8');
  }

  protected single(name: string): string {
    const values = this.headers.filter((h) => h.name.toLowerCase() === headerKey(name));
    const first = values[0];
    if (!first) throw parseError(`missing ${canonicalName(name)} header`);
    if (values.length > 1) throw parseError(`more than one ${canonicalName(name)} header`);
    return first.value;
  }

  protected copyInto<T extends SipMessageBase>(target: T): T {
    target.headers = this.headers.map((h) => ({ ...h }));
    target.body = Buffer.from(this.body);
    return target;
  }
}

export class SipRequest extends SipMessageBase {
  constructor(
    public method: string,
    public uri: Uri,
    headers?: HeaderInit,
    body?: string | Buffer,
  ) {
    super();
    this.addHeaders(headers);
    if (body !== undefined) this.body = typeof body === 'string' ? Buffer.from(body) : body;
  }

  clone(): SipRequest {
    return this.copyInto(new SipRequest(this.method, this.uri));
  }

  override toString(): string {
    return `${this.method} ${formatUri(this.uri)}`;
  }
}

export class SipResponse extends SipMessageBase {
  constructor(
    public status: number,
    public reason: string,
    headers?: HeaderInit,
    body?: string | Buffer,
  ) {
    super();
    this.addHeaders(headers);
    if (body !== undefined) this.body = typeof body === 'string' ? Buffer.from(body) : body;
  }

  clone(): SipResponse {
    return this.copyInto(new SipResponse(this.status, this.reason));
  }

  override toString(): string {
    return `${this.status} ${this.reason}`;
  }
}

export type SipMessage = SipRequest | SipResponse;

export function isRequest(m: SipMessage): m is SipRequest {
  return m instanceof SipRequest;
}

function toArray(value: string | number | readonly string[]): string[] {
  return typeof value === 'object' ? [...value] : [String(value)];
}

function isFieldList(init: HeaderInit): init is readonly HeaderField[] {
  return Array.isArray(init);
}
