/**
 * A readers-writer gate: writes pass together (shared), a stage move passes alone (exclusive) and
 * waits for the writes already inside. Writes that arrive during a move wait for it, so the
 * primary never changes under a write and versions never fork.
 */
export class Gate {
  private inside = 0;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /** Enters as a write; returns the release. */
  async shared(): Promise<() => void> {
    while (this.closing) await this.closing;
    this.inside++;
    return () => {
      this.inside--;
      if (this.inside === 0) this.drained?.();
    };
  }

  /** Enters alone once every write inside has left; returns the release. */
  async exclusive(): Promise<() => void> {
    while (this.closing) await this.closing;
    let open!: () => void;
    this.closing = new Promise<void>((resolve) => (open = resolve));
    if (this.inside > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.drained = null;
    return () => {
      this.closing = null;
      open();
    };
  }
}
