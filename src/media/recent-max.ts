/**
 * The largest value noted over the last one to two windows of `windowNs` (the current window and the
 * one right before it), on a nanosecond clock the caller passes in: what "lately" means to admission
 * control, which the pacer's histograms (kept since their last reset) cannot say. O(1), no allocation:
 * it is fed once per media tick.
 */
export class RecentMax {
  private windowStartNs = 0n;
  private max = 0;
  private previousMax = 0;

  constructor(private readonly windowNs: bigint) {}

  note(nowNs: bigint, value: number): void {
    const age = nowNs - this.windowStartNs;
    if (age >= this.windowNs) {
      // A new window; the one that just ended counts as the previous only if it ended right before this one.
      this.previousMax = age < 2n * this.windowNs ? this.max : 0;
      this.max = 0;
      this.windowStartNs = nowNs;
    }
    if (value > this.max) this.max = value;
  }

  /** The largest value of the last one to two windows; 0 when nothing was noted for a whole window. */
  value(nowNs: bigint): number {
    const age = nowNs - this.windowStartNs;
    if (age >= 2n * this.windowNs) return 0;
    return age >= this.windowNs ? this.max : Math.max(this.max, this.previousMax);
  }
}
