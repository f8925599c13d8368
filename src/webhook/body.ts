/** Reads at most `limit` bytes of a response body, then stops, so a huge or endless body costs nothing. */
export interface CappedBody {
  /** The first `limit` bytes, decoded as UTF-8 (a character cut at the limit becomes U+FFFD). */
  text: string;
  /** True when the body had more than `limit` bytes; reading stopped at limit + 1. */
  overLimit: boolean;
}

interface DestroyableBody extends AsyncIterable<Uint8Array> {
  destroy(err?: Error): unknown;
}

export async function readCapped(body: DestroyableBody, limit: number): Promise<CappedBody> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    chunks.push(b);
    total += b.length;
    if (total > limit) {
      // Destroying the stream closes the connection: the rest is never read nor buffered.
      body.destroy();
      return { text: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), overLimit: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), overLimit: false };
}
