import { SessionAutobooked } from '@app/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { Connection, Model } from 'mongoose';
import { DELIVERIES_COLLECTION, DeliveryDocument, Recipient, deliveryId, deliverySchema } from './delivery.schema';

export const NOTIFIER_MONGO = Symbol('NOTIFIER_MONGO');

export type ClaimResult = 'claimed' | 'already-sent' | 'failed' | 'busy';

export interface NewDelivery {
  event: SessionAutobooked;
  recipient: Recipient;
  address: string;
  messageId: string;
}

/** All mongoose code of the notifier: the delivery ledger. Plain objects out, never documents. */
@Injectable()
export class DeliveryRepository {
  private readonly deliveries: Model<DeliveryDocument>;

  constructor(@Inject(NOTIFIER_MONGO) connection: Connection) {
    this.deliveries = connection.models[DELIVERIES_COLLECTION] ?? connection.model<DeliveryDocument>(DELIVERIES_COLLECTION, deliverySchema);
  }

  async ensureIndexes(): Promise<void> {
    await this.deliveries.createCollection().catch((error: { code?: number }) => {
      if (error.code !== 48) throw error; // NamespaceExists
    });
    await this.deliveries.createIndexes();
  }

  /**
   * Takes the right to send one email. The unique `_id` makes the first claim win; a claim whose holder
   * went away (its lease ran out) can be taken over.
   */
  async claim(delivery: NewDelivery, owner: string, leaseMs: number, now = new Date()): Promise<ClaimResult> {
    const _id = deliveryId(delivery.event.eventId, delivery.recipient);
    const claimedUntil = new Date(now.getTime() + leaseMs);
    try {
      await this.deliveries.collection.insertOne({
        _id,
        eventId: delivery.event.eventId,
        recipient: delivery.recipient,
        address: delivery.address,
        status: 'sending',
        messageId: delivery.messageId,
        attempts: 0,
        lastError: null,
        claimedBy: owner,
        claimedUntil,
        event: delivery.event,
        createdAt: now,
        updatedAt: now,
        sentAt: null,
      } as never);
      return 'claimed';
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const taken = await this.deliveries.collection.updateOne(
      { _id, status: 'sending', $or: [{ claimedBy: owner }, { claimedUntil: { $lt: now } }] } as never,
      { $set: { claimedBy: owner, claimedUntil, updatedAt: now } },
    );
    if (taken.matchedCount === 1) return 'claimed';
    const existing = await this.deliveries.findById(_id, { status: 1 }).lean<Pick<DeliveryDocument, 'status'>>().exec();
    if (existing?.status === 'sent') return 'already-sent';
    if (existing?.status === 'failed') return 'failed';
    return 'busy';
  }

  async recordAttempt(id: string, owner: string, error: string | null, leaseMs: number, now = new Date()): Promise<void> {
    await this.deliveries.collection.updateOne(
      { _id: id, claimedBy: owner } as never,
      { $inc: { attempts: 1 }, $set: { lastError: error, claimedUntil: new Date(now.getTime() + leaseMs), updatedAt: now } },
    );
  }

  async markSent(id: string, owner: string, now = new Date()): Promise<void> {
    await this.deliveries.collection.updateOne(
      { _id: id, claimedBy: owner } as never,
      { $inc: { attempts: 1 }, $set: { status: 'sent', sentAt: now, lastError: null, claimedBy: null, claimedUntil: null, updatedAt: now } },
    );
  }

  async markFailed(id: string, owner: string, reason: string, now = new Date()): Promise<void> {
    await this.deliveries.collection.updateOne(
      { _id: id, claimedBy: owner } as never,
      { $set: { status: 'failed', lastError: reason, claimedBy: null, claimedUntil: null, updatedAt: now } },
    );
  }

  /** Gives a claim back unsent, so that any instance can take the email at once instead of after the lease. */
  async release(id: string, owner: string, now = new Date()): Promise<void> {
    await this.deliveries.collection.updateOne(
      { _id: id, status: 'sending', claimedBy: owner } as never,
      { $set: { claimedBy: null, claimedUntil: new Date(0), updatedAt: now } },
    );
  }

  /** Puts a failed delivery back to be sent again (ops re-send). */
  async reopen(id: string, now = new Date()): Promise<boolean> {
    const result = await this.deliveries.collection.updateOne(
      { _id: id, status: 'failed' } as never,
      { $set: { status: 'sending', claimedBy: null, claimedUntil: new Date(0), updatedAt: now } },
    );
    return result.matchedCount === 1;
  }

  async find(eventId: string, recipient: Recipient): Promise<DeliveryDocument | null> {
    return this.deliveries.findById(deliveryId(eventId, recipient)).lean<DeliveryDocument>().exec();
  }

  async list(filter: { status?: DeliveryDocument['status']; eventId?: string }, limit = 100): Promise<DeliveryDocument[]> {
    return this.deliveries.find(filter).sort({ createdAt: -1 }).limit(limit).lean<DeliveryDocument[]>().exec();
  }
}
