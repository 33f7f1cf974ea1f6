import { SessionAutobooked } from '@app/contracts';
import { Schema } from 'mongoose';

export type Recipient = 'coach' | 'client';

export type DeliveryStatus = 'sending' | 'sent' | 'failed';

/**
 * The delivery ledger: one document per (autobook eventId, recipient), its `_id` unique, so an email is
 * claimed once, sent once and recorded once, whatever the delivery count of the event.
 */
export interface DeliveryDocument {
  _id: string;
  eventId: string;
  recipient: Recipient;
  address: string;
  status: DeliveryStatus;
  /** The deterministic Message-ID: a receiving server can drop a resend after a crash. */
  messageId: string;
  attempts: number;
  lastError: string | null;
  /** Who holds the send, and until when (a crashed holder's claim expires). */
  claimedBy: string | null;
  claimedUntil: Date | null;
  /** The event, kept so that ops can re-send a failed email from the ledger. */
  event: SessionAutobooked;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

export const DELIVERIES_COLLECTION = 'deliveries';

export const deliverySchema = new Schema(
  {
    _id: { type: String, required: true },
    eventId: { type: String, required: true },
    recipient: { type: String, required: true, enum: ['coach', 'client'] },
    address: { type: String, required: true },
    status: { type: String, required: true, enum: ['sending', 'sent', 'failed'] },
    messageId: { type: String, required: true },
    attempts: { type: Number, required: true },
    lastError: { type: String, default: null },
    claimedBy: { type: String, default: null },
    claimedUntil: { type: Date, default: null },
    event: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    sentAt: { type: Date, default: null },
  },
  { collection: DELIVERIES_COLLECTION, versionKey: false, minimize: false },
);
deliverySchema.index({ status: 1 });
deliverySchema.index({ eventId: 1 });

export function deliveryId(eventId: string, recipient: Recipient): string {
  return JSON.stringify([eventId, recipient]);
}
