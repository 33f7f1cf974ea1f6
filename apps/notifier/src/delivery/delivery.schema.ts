import { PaymentFailed, SessionAutobooked, SessionAutobookUpcoming, SessionAutobookVoided } from '#contracts';
import { Schema } from 'mongoose';
import { NOTIFICATION_KINDS, Notification, NotificationKind, Recipient } from '../mail/notification.js';

export type { Recipient } from '../mail/notification.js';

export type DeliveryStatus = 'sending' | 'sent' | 'failed';

export type OutcomeStatus = Exclude<DeliveryStatus, 'sending'>;

/**
 * The delivery ledger is two collections keyed by the same `_id`, one per (kind, key, recipient): the key
 * is the eventId of the autobook, heads-up or void, and the autobook's for a failed payment (R16),
 * both only ever inserted into on the way of an email that goes out at the first try:
 * - `deliveries` holds the claim: inserted before the send, its unique `_id` makes one sender win;
 * - `delivery_outcomes` holds how it ended (sent, or given up on): inserted after the send, its unique
 *   `_id` records one outcome per email.
 * An email with a claim and no outcome is being sent (or its sender went away and its lease runs out).
 */
export interface ClaimDocument {
  _id: string;
  /** The notification's key (notificationKey): the id its emails are sent once for. */
  eventId: string;
  /** Absent in ledgers written before the notifier had other kinds than autobooks. */
  kind?: NotificationKind;
  recipient: Recipient;
  address: string;
  /** The deterministic Message-ID: a receiving server can drop a resend after a crash. */
  messageId: string;
  /** SMTP attempts that failed and were retried (the attempt that ended the delivery is in its outcome). */
  attempts: number;
  lastError: string | null;
  /** Who holds the send, and until when (a crashed holder's claim expires). */
  claimedBy: string | null;
  claimedUntil: Date | null;
  /** The event, kept so that ops can re-send a failed email from the ledger. */
  event: SessionAutobooked | SessionAutobookUpcoming | SessionAutobookVoided | PaymentFailed;
  /** For a failed payment: the autobook it was for, whose contacts and amount the emails show. */
  autobook?: SessionAutobooked;
  createdAt: Date;
  updatedAt: Date;
}

export interface OutcomeDocument {
  _id: string;
  eventId: string;
  kind?: NotificationKind;
  recipient: Recipient;
  status: OutcomeStatus;
  /** Why it was given up on; null when sent. */
  reason: string | null;
  at: Date;
}

/** One email as the ledger tells it: its claim and its outcome together (what ops and the service read). */
export interface Delivery extends ClaimDocument {
  kind: NotificationKind;
  status: DeliveryStatus;
  /** SMTP attempts made, the one that ended the delivery included. */
  attempts: number;
  sentAt: Date | null;
}

export const DELIVERIES_COLLECTION = 'deliveries';
export const OUTCOMES_COLLECTION = 'delivery_outcomes';

export const claimSchema = new Schema(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    kind: { type: String, enum: NOTIFICATION_KINDS },
    recipient: { type: String, required: true, enum: ['coach', 'client'] },
    address: { type: String, required: true },
    messageId: { type: String, required: true },
    attempts: { type: Number, required: true },
    lastError: { type: String, default: null },
    claimedBy: { type: String, default: null },
    claimedUntil: { type: Date, default: null },
    event: { type: Schema.Types.Mixed, required: true },
    autobook: { type: Schema.Types.Mixed },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: DELIVERIES_COLLECTION, versionKey: false, minimize: false },
);
claimSchema.index({ eventId: 1 });
claimSchema.index({ createdAt: -1 });

export const outcomeSchema = new Schema(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    kind: { type: String, enum: NOTIFICATION_KINDS },
    recipient: { type: String, required: true, enum: ['coach', 'client'] },
    status: { type: String, required: true, enum: ['sent', 'failed'] },
    reason: { type: String, default: null },
    at: { type: Date, required: true },
  },
  { collection: OUTCOMES_COLLECTION, versionKey: false, minimize: false },
);
outcomeSchema.index({ status: 1, at: -1 });
outcomeSchema.index({ eventId: 1 });

/**
 * The ledger `_id` of one email. An autobook's keeps the form it had before other kinds existed, so that
 * a replay after an upgrade finds the emails sent before it; the other kinds name theirs, since the
 * service may derive a heads-up's eventId from the same pair and sequence as the autobook's.
 */
export function deliveryId(eventId: string, recipient: Recipient, kind: NotificationKind = 'autobooked'): string {
  return JSON.stringify(kind === 'autobooked' ? [eventId, recipient] : [kind, eventId, recipient]);
}

/** The notification a claim was made for, to send its email again. */
export function notificationOf(claim: ClaimDocument): Notification {
  const kind = claim.kind ?? 'autobooked';
  if (kind === 'payment-failed') {
    if (!claim.autobook) throw new Error(`claim ${claim._id} of a failed payment keeps no autobook`);
    return { kind, event: claim.event as PaymentFailed, autobook: claim.autobook };
  }
  return { kind, event: claim.event } as Notification;
}

/** The ledger's view of one email from its claim and, once it ended, its outcome. */
export function toDelivery(claim: ClaimDocument, outcome: OutcomeDocument | null): Delivery {
  const {
    _id,
    eventId,
    kind = 'autobooked',
    recipient,
    address,
    messageId,
    attempts,
    lastError,
    claimedBy,
    claimedUntil,
    event,
    autobook,
    createdAt,
    updatedAt,
  } = claim;
  const delivery: Delivery = {
    _id,
    eventId,
    kind,
    recipient,
    address,
    messageId,
    attempts,
    lastError,
    claimedBy,
    claimedUntil,
    event,
    ...(autobook ? { autobook } : {}),
    createdAt,
    updatedAt,
    status: 'sending',
    sentAt: null,
  };
  if (!outcome) return delivery;
  return {
    ...delivery,
    status: outcome.status,
    attempts: attempts + 1,
    lastError: outcome.reason,
    claimedBy: null,
    claimedUntil: null,
    updatedAt: outcome.at > updatedAt ? outcome.at : updatedAt,
    sentAt: outcome.status === 'sent' ? outcome.at : null,
  };
}
