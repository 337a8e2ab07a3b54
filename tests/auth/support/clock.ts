/** A clock tests can move forward; starts at the real time so JWT libraries outside agree with it. */
export class TestClock {
  private offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
