/**
 * A least-recently-used map bounded by total bytes rather than entry count: prompts range from a
 * 0.5 s "Goodbye" to minutes of hold music, so a count says little about memory.
 */
export class ByteLru<V extends { byteLength: number }> {
  private readonly map = new Map<string, V>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.map.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // Map iteration order is insertion order; re-inserting marks the entry most recent.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Values larger than the whole budget are not kept (they would evict everything for one entry). */
  set(key: string, value: V): void {
    this.delete(key);
    if (value.byteLength > this.maxBytes) return;
    this.map.set(key, value);
    this.bytes += value.byteLength;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  delete(key: string): void {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.bytes -= v.byteLength;
    }
  }
}
