/**
 * Event, order and transaction ids that a browser profile never sees twice (DESIGN §4).
 *
 * A profile outlives the emulator: its ledger remembers every event, order and transaction id
 * it has applied, so an id handed out again after `npm run demo` restarts would be taken for a
 * duplicate, acked and never granted. Each sequence therefore starts from the start time:
 * `milliseconds since epoch × 1000` leaves room for a thousand ids per millisecond the previous
 * run was up before a restart could reach its ids, and with the offsets below stays a safe
 * integer until the year 2190 (2^53 ≈ 9.0e15; today's base ≈ 1.8e15).
 *
 * Within one process (a test file starting several emulators in the same millisecond) the
 * sequences are shared, so two emulators never hand out the same id either.
 */

export type IdKind = 'event' | 'order' | 'transaction';

const IDS_PER_MS = 1000;
/**
 * Far apart, so no id is ever two kinds of thing (a ledger looks an order up by order id or
 * transaction id): the sequences would have to run for decades to meet.
 */
const OFFSETS: Record<IdKind, number> = { event: 0, order: 1e15, transaction: 2e15 };

/** The last id handed out in this process, per kind. */
const last: Record<IdKind, number> = { event: 0, order: 0, transaction: 0 };

/** A source of ids for one emulator started at `startMs` (wall-clock time). */
export function createIdSource(startMs: number) {
  const base = Math.floor(startMs) * IDS_PER_MS;
  return (kind: IdKind): number => {
    last[kind] = Math.max(last[kind] + 1, base + OFFSETS[kind]);
    return last[kind];
  };
}
