import { SessionAutobooked } from '#contracts';
import { Schema } from 'mongoose';

/**
 * An autobook the notifier has seen on `session.autobooked`, kept because `payment.failed` names only
 * the autobook (R16): its emails take the names, addresses, amount and sequence from here.
 */
export interface AutobookDocument {
  /** The autobook's eventId. */
  _id: string;
  clientId: string;
  coachId: string;
  event: SessionAutobooked;
  recordedAt: Date;
}

export const AUTOBOOKS_COLLECTION = 'autobooks';

export const autobookSchema = new Schema(
  {
    _id: { type: String, required: true },
    clientId: { type: String, required: true },
    coachId: { type: String, required: true },
    event: { type: Schema.Types.Mixed, required: true },
    recordedAt: { type: Date, required: true },
  },
  { collection: AUTOBOOKS_COLLECTION, versionKey: false, minimize: false },
);
