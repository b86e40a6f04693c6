import type { Sequenced } from './model';

/**
 * Insertion-ordered collection with O(1) id lookup and O(log n) "resume after sequence number".
 *
 * Paging cursors encode the `seq` of the last returned item; new items always get a higher `seq`, so
 * a client paging through the collection sees every pre-existing item exactly once even while other
 * clients insert (they land at the end) or delete (tombstoned, then compacted).
 */
export class OrderedStore<T extends Sequenced> {
  private items: T[] = [];
  private readonly byId = new Map<string, T>();
  private tombstones = 0;
  private nextSeq = 1;

  get size(): number {
    return this.byId.size;
  }

  allocateSeq(): number {
    return this.nextSeq++;
  }

  add(item: T): T {
    if (item.seq >= this.nextSeq) this.nextSeq = item.seq + 1;
    this.items.push(item);
    this.byId.set(item.id, item);
    return item;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  delete(id: string): boolean {
    const item = this.byId.get(id);
    if (!item) return false;
    item.deleted = true;
    this.byId.delete(id);
    this.tombstones++;
    if (this.tombstones > 1024 && this.tombstones > this.items.length / 4) this.compact();
    return true;
  }

  clear(): void {
    this.items = [];
    this.byId.clear();
    this.tombstones = 0;
    this.nextSeq = 1;
  }

  /** Index of the first item with seq > afterSeq. */
  private indexAfter(afterSeq: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[mid] as T).seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Live items with seq > afterSeq, in order. */
  *iterateAfter(afterSeq = 0): IterableIterator<T> {
    for (let i = this.indexAfter(afterSeq); i < this.items.length; i++) {
      const item = this.items[i] as T;
      if (!item.deleted) yield item;
    }
  }

  /** Live items with seq < beforeSeq, newest first. */
  *iterateBackwardBefore(beforeSeq = Number.MAX_SAFE_INTEGER): IterableIterator<T> {
    for (let i = this.indexAfter(beforeSeq - 1) - 1; i >= 0; i--) {
      const item = this.items[i] as T;
      if (!item.deleted) yield item;
    }
  }

  values(): IterableIterator<T> {
    return this.iterateAfter(0);
  }

  /** Drops the oldest live items (the System Log is a bounded ring). */
  trimOldest(keep: number): void {
    if (this.byId.size <= keep) return;
    let toDrop = this.byId.size - keep;
    for (const item of this.items) {
      if (toDrop === 0) break;
      if (item.deleted) continue;
      item.deleted = true;
      this.byId.delete(item.id);
      toDrop--;
    }
    this.compact();
  }

  private compact(): void {
    this.items = this.items.filter((i) => !i.deleted);
    this.tombstones = 0;
  }
}
