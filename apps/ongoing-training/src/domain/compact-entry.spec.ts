// An entry is stored without what follows from the rest of it, and read back exactly as decide made it.
import { compactEntry, EntryContext, expandEntry, onDeckAfter } from './compact-entry.js';
import type { HistoryEntry, NoAutobookEntry } from './decision.js';
import {
  booked,
  CLIENT_ID,
  COACH_ID,
  ENTRY_CONTEXT,
  everyKindOfEvent,
  enrollment,
  play,
  readableAutobookEventId,
  storedEntries,
  usd,
} from './testing/builders.js';

const T1 = '2026-11-01T10:00:00Z';
const AB = (n: number) => readableAutobookEventId(CLIENT_ID, COACH_ID, n);
/** The ids decide derived (the builders' context). */
const PAIR = ENTRY_CONTEXT;

/** Stores entries one by one and reads them back, each on deck before it from the one before. */
function roundTrip(entries: HistoryEntry[], context: EntryContext = PAIR): HistoryEntry[] {
  const stored = JSON.parse(JSON.stringify(entries.map((entry) => compactEntry(entry, context))));
  let onDeck = 0;
  return stored.map((entry: ReturnType<typeof compactEntry>) => {
    const expanded = expandEntry(entry, onDeck, context);
    onDeck = onDeckAfter(entry);
    return expanded;
  });
}

describe('a history entry, stored without what follows from the rest of it', () => {
  // Every kind of entry: every kind of event, then packages that change the offer and a checkout's
  // switch ignored (older than the API's), and the switch turned on through the API.
  const played = play([
    ...everyKindOfEvent(),
    booked({ packageId: 'p0', occurredAt: '2026-10-01T10:00:00Z', sessionCount: 1, ongoingTraining: false }), // older: no new rate
    booked({ packageId: 'p3', occurredAt: '2026-11-03T10:00:00Z', autoRenewal: false }), // offered no more
    booked({ packageId: 'p4', occurredAt: '2026-11-04T10:00:00Z', ongoingTraining: true }), // offered again; checkout older than the API's switch-off
    enrollment(true),
  ]);
  const entries = storedEntries(played.decisions);

  it('reads back as decide made it, key for key and in the same order, through JSON', () => {
    const changed = (key: keyof HistoryEntry['changes']) => entries.filter((e) => e.changes[key] !== undefined).map((e) => e.changes[key]);
    expect(changed('autoRenewalOffered')).toEqual([
      { from: false, to: true },
      { from: true, to: false },
      { from: false, to: true },
    ]);
    expect(changed('enrolled')).toEqual([
      { from: false, to: true },
      { from: true, to: false },
      { from: false, to: true },
    ]);
    expect(changed('checkoutSwitchIgnored')).toHaveLength(2);
    const read = roundTrip(entries);
    expect(read).toEqual(entries);
    expect(JSON.stringify(read)).toEqual(JSON.stringify(entries));
  });

  it('keeps a completion to its input, the outcome and the count on deck after it', () => {
    const completion = entries.find((e) => e.input.type === 'session.completed' && e.outcome === 'no-autobook' && !e.changes.headsUp) as NoAutobookEntry;
    expect(compactEntry(completion, PAIR)).toEqual({
      at: completion.at,
      input: completion.input,
      changes: { sessionsOnDeck: completion.changes.sessionsOnDeck.to },
      outcome: 'no-autobook',
      reason: completion.reason,
    });
  });

  it("keeps a package's terms, not its ids (the input's); the switch and the offer as what they became; the rate it replaced", () => {
    const first = compactEntry(entries[0], PAIR);
    expect(first.changes).toEqual({
      packageAdded: { sessionCount: 2, price: usd(30000), rate: usd(15000), autoRenewal: true, client: expect.any(Object), coach: expect.any(Object) },
      rate: { from: null },
      autoRenewalOffered: true,
      enrolled: true,
      enrolledChangedAt: T1,
      sessionsOnDeck: 2,
    });
  });

  it('keeps an autobook to its sequence and rate, and a heads-up to its sequence: their ids and trigger follow from the pair and the input', () => {
    const autobook = compactEntry(
      entries.find((e) => e.outcome === 'autobooked')!,
      PAIR,
    );
    expect(autobook.outcome === 'autobooked' && autobook.autobook).toEqual({ sequence: 1, rate: usd(15000), ratePackageId: 'p1' });
    const headsUp = compactEntry(
      entries.find((e) => e.changes.headsUp)!,
      PAIR,
    );
    expect(headsUp.changes.headsUp).toEqual({ sequence: 1 });
  });

  it('keeps ids in full when they are not the ones the pair derives (another pair, another scheme)', () => {
    const other: EntryContext = { ...PAIR, autobookEventId: (...args) => `other-${readableAutobookEventId(...args)}`, upcomingEventId: () => 'other' };
    const autobooked = entries.find((e) => e.outcome === 'autobooked')!;
    const stored = compactEntry(autobooked, other);
    expect(stored.outcome === 'autobooked' && stored.autobook.eventId).toBe(AB(1));
    expect(roundTrip(entries, other)).toEqual(entries);
  });

  it('takes on deck before an entry from the count given, the `to` of the entry before', () => {
    const stored = compactEntry(entries[1], PAIR);
    expect(expandEntry(stored, 7, PAIR).changes.sessionsOnDeck).toEqual({ from: 7, to: entries[1].changes.sessionsOnDeck.to });
  });

  it('reads an entry written in full (by an earlier release) as it is', () => {
    for (const entry of entries) expect(expandEntry(JSON.parse(JSON.stringify(entry)), -99, PAIR)).toEqual(entry);
  });
});
