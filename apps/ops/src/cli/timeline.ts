// A pair's decision log (GET .../history, or the pair_changes documents) as text for people: oldest
// first, one block per input: when, what came in, what it changed, what was decided and why. The demo
// prints its timelines with it too.
import type { Money } from '#contracts';
import { formatMoney } from '#notifier/mail/money-format';
import type { HistoryEntry, NoAutobookReason, PairChanges, PairView } from '#ongoing-training/domain/index';

/** `USD 83.33`: the notifier's own formatting (the emails say the same). */
export function money(m: Money | null | undefined): string {
  if (!m) return 'none';
  try {
    return formatMoney(m);
  } catch {
    return `${m.currency} ${m.amount} (minor units)`;
  }
}

const REASONS: Record<NoAutobookReason, string> = {
  'not-enrolled': "the client's Ongoing Training switch is off",
  'sessions-on-deck': 'sessions are still on deck (R5)',
  'auto-renewal-not-offered': 'the last package is a custom one without auto-renewal (R6)',
  'waiting-for-package': 'on deck is below 0: a completion came before its package (R11)',
  paused: 'auto-booking is paused (R14)',
  'payment-pending': 'the payment of an earlier autobook failed and has not succeeded since (R16)',
};

export function time(iso: string | Date): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').replace('Z', '');
}

const onOff = (b: boolean) => (b ? 'on' : 'off');

function describeInput(entry: HistoryEntry): string {
  const input = entry.input;
  const added = entry.changes.packageAdded;
  switch (input.type) {
    case 'package.booked': {
      const what = added
        ? `: ${added.sessionCount} session${added.sessionCount === 1 ? '' : 's'} for ${money(added.price)} (${money(added.rate)} each)${added.autoRenewal ? '' : ', custom package: "Do not offer auto-renewal"'}`
        : '';
      return `package.booked ${input.packageId}${what}  [event ${input.eventId}]`;
    }
    case 'session.completed':
      return `session.completed ${input.sessionId}  [event ${input.eventId}]`;
    case 'session.completion.reverted':
      return `session.completion.reverted ${input.sessionId}: the completion is undone  [event ${input.eventId}]`;
    case 'payment.failed':
    case 'payment.succeeded':
      return `${input.type} for autobook ${input.autobookEventId}  [event ${input.eventId}]`;
    case 'enrollment':
      return `API: switch turned ${onOff(input.enrolled)} (PUT {"enrolled": ${input.enrolled}})`;
    case 'pause':
      return `API: paused until ${time(input.until)} (PUT .../pause)`;
    case 'resume':
      return input.cause === 'time' ? 'the pause ended: its time came' : 'API: pause ended (DELETE .../pause)';
    default:
      return JSON.stringify(input);
  }
}

function describeChanges(changes: PairChanges): string {
  const parts: string[] = [];
  if (changes.enrolled) parts.push(`switch ${onOff(changes.enrolled.from)} -> ${onOff(changes.enrolled.to)}`);
  if (changes.checkoutSwitchIgnored) {
    parts.push(
      `checkout asked for switch ${onOff(changes.checkoutSwitchIgnored.requested)}, ignored: a newer choice was made at ${time(changes.checkoutSwitchIgnored.enrolledChangedAt)}`,
    );
  }
  if (changes.rate)
    parts.push(`rate ${changes.rate.from ? money(changes.rate.from.rate) : 'none'} -> ${money(changes.rate.to.rate)} (package ${changes.rate.to.packageId})`);
  // (A first package "turns on" the offer from nothing: not worth a word.)
  if (changes.autoRenewalOffered && !(changes.rate && changes.rate.from === null)) {
    parts.push(changes.autoRenewalOffered.to ? 'auto-renewal offered again' : 'auto-renewal no longer offered');
  }
  if (changes.completionReverted)
    parts.push(
      changes.completionReverted.pending
        ? `completion of ${changes.completionReverted.sessionId} undone before it arrived`
        : `session ${changes.completionReverted.sessionId} no longer completed`,
    );
  if (changes.voided) parts.push(`autobook #${changes.voided.sequence} voided (${money(changes.voided.rate)} to refund), session.autobook.voided published`);
  if (changes.payment) parts.push(`payment of autobook #${changes.payment.sequence} ${changes.payment.status}`);
  if (changes.pausedUntil) parts.push(changes.pausedUntil.to ? `paused until ${time(changes.pausedUntil.to)}` : 'pause ended');
  if (changes.headsUp) parts.push(`heads-up: the next completion books #${changes.headsUp.sequence} (session.autobook.upcoming published)`);
  const deck = changes.sessionsOnDeck;
  if (deck) parts.push(deck.from === deck.to ? `on deck stays ${deck.to}` : `on deck ${deck.from} -> ${deck.to}`);
  return parts.join(', ');
}

function describeOutcome(entry: HistoryEntry): string {
  if (entry.outcome === 'autobooked') {
    const a = entry.autobook;
    return `autobooked: session #${a.sequence} booked at ${money(a.rate)} (rate of package ${a.ratePackageId}); emails to coach and client  [event ${a.eventId}]`;
  }
  return `no-autobook (${entry.reason}): ${REASONS[entry.reason] ?? entry.reason}`;
}

/** Something the service refused (and so did not record), shown in a timeline at its time. */
export interface TimelineNote {
  at: string;
  text: string;
  detail?: string;
}

type TimelineItem = { at: string; order: number } & ({ entry: HistoryEntry; note?: undefined } | { note: TimelineNote });

/** Lines of a pair's timeline. `entries` oldest first; `notes` are merged in by time. */
export function timelineLines(entries: HistoryEntry[], notes: TimelineNote[] = [], { indent = '  ' } = {}): string[] {
  const items: TimelineItem[] = [
    ...entries.map((entry, i) => ({ at: entry.at, order: i, entry })),
    ...notes.map((note, i) => ({ at: note.at, order: entries.length + i, note })),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order);
  const lines: string[] = [];
  let rate: Money | null = null;
  let step = 0;
  for (const item of items) {
    step++;
    const head = `${indent}${String(step).padStart(2)}. ${time(item.at)}  `;
    const pad = `${indent}${' '.repeat(head.length - indent.length)}`;
    if (item.note) {
      lines.push(`${head}${item.note.text}`);
      if (item.note.detail) lines.push(`${pad}=> ${item.note.detail}`);
      continue;
    }
    const { entry } = item;
    if (entry.changes.rate) rate = entry.changes.rate.to.rate;
    lines.push(`${head}${describeInput(entry)}`);
    const changed = describeChanges(entry.changes);
    if (changed) lines.push(`${pad}changed: ${changed}`);
    lines.push(`${pad}=> ${describeOutcome(entry)}${rate ? `  | rate now ${money(rate)}` : ''}`);
  }
  return lines;
}

/** The pair's current state (an entry of GET /v1/clients/{c}/ongoing-training). */
export function pairViewLines(view: PairView, { indent = '  ' } = {}): string[] {
  return [
    `${indent}switch (enrolled):   ${onOff(view.enrolled)}`,
    `${indent}auto-renewal:        ${view.autoRenewalOffered ? 'offered' : 'not offered (last package is custom)'}`,
    `${indent}rate:                ${view.rate ? `${money(view.rate)} (package ${view.ratePackageId})` : 'none (no package yet)'}`,
    `${indent}sessions on deck:    ${view.sessionsOnDeck}`,
    `${indent}paused until:        ${view.pausedUntil ? time(view.pausedUntil) : '-'}`,
    `${indent}payment pending:     ${view.paymentPending && view.paymentPending.length ? view.paymentPending.join(', ') : '-'}`,
    `${indent}updated at:          ${view.updatedAt ? time(view.updatedAt) : '-'}`,
  ];
}
