/**
 * Time partitions of audit.events (PARTITION BY RANGE (occurred_at)), in UTC: one per month (default)
 * or per day. A new partition is clipped to the gap between existing ones, so changing the interval
 * later never creates an overlapping partition.
 */
export type PartitionInterval = 'month' | 'day';

export interface PartitionRange {
  name: string;
  from: Date;
  to: Date;
}

export function periodStart(t: Date, interval: PartitionInterval): Date {
  return interval === 'month'
    ? new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1))
    : new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
}

export function addPeriods(t: Date, interval: PartitionInterval, n: number): Date {
  return interval === 'month'
    ? new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + n, 1))
    : new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + n));
}

function ymd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

export function partitionName(from: Date, to: Date): string {
  return `events_${ymd(from)}_${ymd(to)}`;
}

export function covering(existing: readonly PartitionRange[], t: Date): PartitionRange | undefined {
  const ms = t.getTime();
  return existing.find((p) => p.from.getTime() <= ms && ms < p.to.getTime());
}

/** The partition to create so that `t` is covered: its period, clipped to the free gap around `t`. */
export function planPartition(
  existing: readonly PartitionRange[],
  t: Date,
  interval: PartitionInterval,
): PartitionRange | undefined {
  if (covering(existing, t)) return undefined;
  const ms = t.getTime();
  let from = periodStart(t, interval).getTime();
  let to = addPeriods(periodStart(t, interval), interval, 1).getTime();
  for (const p of existing) {
    const pf = p.from.getTime();
    const pt = p.to.getTime();
    if (pt <= ms && pt > from) from = pt;
    if (pf > ms && pf < to) to = pf;
  }
  const f = new Date(from);
  const e = new Date(to);
  return { name: partitionName(f, e), from: f, to: e };
}
