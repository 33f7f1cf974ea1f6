import { ensureCollections, modelOf } from '#platform/mongo/mongo-connection';
import { MONGO_CONNECTION } from '#platform/mongo/mongo.module';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { type Connection, Model } from 'mongoose';
import {
  ClaimDocument,
  DELIVERIES_COLLECTION,
  Delivery,
  DeliveryStatus,
  OUTCOMES_COLLECTION,
  OutcomeDocument,
  OutcomeStatus,
  Recipient,
  claimSchema,
  deliveryId,
  outcomeSchema,
  toDelivery,
} from './delivery.schema.js';
import { Notification, NotificationKind, notificationKey } from '../mail/notification.js';

/** What a claim found: the email is this sender's to send, was sent, was given up on, or is another's now. */
export type ClaimResult = 'claimed' | 'already-sent' | 'busy' | { failed: string };

export interface NewDelivery {
  notification: Notification;
  recipient: Recipient;
  address: string;
  messageId: string;
}

/** Outcomes read per round trip when listing the emails still being sent. */
const PAGE = 500;

/**
 * All mongoose code of the notifier: the delivery ledger. Plain objects out, never documents.
 *
 * An email that goes out at the first try costs two inserts (its claim, its outcome) and nothing else:
 * reads and updates happen only when a claim is found taken (a redelivery, a replay, a crash), on SMTP
 * retries and failures, and for ops. On FerretDB, where every read and update scans its collection,
 * that keeps the usual path independent of the ledger's size.
 */
@Injectable()
export class DeliveryRepository implements OnModuleInit {
  private readonly claims: Model<ClaimDocument>;
  private readonly outcomes: Model<OutcomeDocument>;

  constructor(@Inject(MONGO_CONNECTION) connection: Connection) {
    this.claims = modelOf<ClaimDocument>(connection, DELIVERIES_COLLECTION, claimSchema);
    this.outcomes = modelOf<OutcomeDocument>(connection, OUTCOMES_COLLECTION, outcomeSchema);
  }

  /** Before anything is consumed: the collections and their indexes exist. */
  onModuleInit(): Promise<void> {
    return this.ensureIndexes();
  }

  async ensureIndexes(): Promise<void> {
    await ensureCollections([this.claims, this.outcomes]);
    await this.moveLegacyOutcomes();
  }

  /**
   * Takes the right to send each email, in one insert. The unique `_id` makes the first claim win; an
   * email claimed before is looked up: its outcome if it has one, else its claim is taken over when its
   * holder went away (the lease ran out) or is this sender.
   */
  async claim(deliveries: NewDelivery[], owner: string, leaseMs: number, now = new Date()): Promise<ClaimResult[]> {
    const claimedUntil = new Date(now.getTime() + leaseMs);
    const docs: ClaimDocument[] = deliveries.map(({ notification, recipient, address, messageId }) => ({
      _id: deliveryId(notificationKey(notification), recipient, notification.kind),
      eventId: notificationKey(notification),
      kind: notification.kind,
      recipient,
      address,
      messageId,
      attempts: 0,
      lastError: null,
      claimedBy: owner,
      claimedUntil,
      event: notification.event,
      ...(notification.kind === 'payment-failed' ? { autobook: notification.autobook } : {}),
      createdAt: now,
      updatedAt: now,
    }));
    let taken = new Set<number>();
    try {
      await this.claims.collection.insertMany(docs as never[], { ordered: false });
    } catch (error) {
      taken = duplicatesIn(error) ?? throwAgain(error);
    }
    return Promise.all(docs.map((doc, i) => (taken.has(i) ? this.claimTaken(doc._id, owner, claimedUntil, now) : ('claimed' as const))));
  }

  private async claimTaken(id: string, owner: string, claimedUntil: Date, now: Date): Promise<ClaimResult> {
    const ended = await this.outcomeOf(id);
    if (ended) return ended;
    const takeover = await this.claims.collection.updateOne({ _id: id, $or: [{ claimedBy: owner }, { claimedUntil: { $lt: now } }] } as never, {
      $set: { claimedBy: owner, claimedUntil, updatedAt: now },
    });
    // Read again: the holder may have recorded its outcome between the first read and the take-over.
    return (await this.outcomeOf(id)) ?? (takeover.matchedCount === 1 ? 'claimed' : 'busy');
  }

  private async outcomeOf(id: string): Promise<Exclude<ClaimResult, 'claimed' | 'busy'> | null> {
    const outcome = await this.outcomes.findById(id).lean<OutcomeDocument>().exec();
    if (!outcome) return null;
    return outcome.status === 'sent' ? 'already-sent' : { failed: outcome.reason ?? 'given up on earlier' };
  }

  /**
   * Records how a delivery ended, once: the first outcome recorded stands (a second is only possible
   * when a holder outlived its lease and another sender took over). Returns the outcome that stands.
   */
  async recordOutcome(
    delivery: { eventId: string; recipient: Recipient; kind?: NotificationKind },
    status: OutcomeStatus,
    reason: string | null,
    now = new Date(),
  ): Promise<OutcomeDocument> {
    const { eventId, recipient, kind = 'autobooked' } = delivery;
    const outcome: OutcomeDocument = { _id: deliveryId(eventId, recipient, kind), eventId, kind, recipient, status, reason, at: now };
    try {
      await this.outcomes.collection.insertOne(outcome as never);
      return outcome;
    } catch (error) {
      if (!duplicatesIn(error)) throw error;
    }
    return (await this.outcomes.findById(outcome._id).lean<OutcomeDocument>().exec()) ?? outcome;
  }

  /** A failed SMTP attempt that will be retried; renews the lease. */
  async recordAttempt(id: string, owner: string, error: string | null, leaseMs: number, now = new Date()): Promise<void> {
    await this.claims.collection.updateOne({ _id: id, claimedBy: owner } as never, {
      $inc: { attempts: 1 },
      $set: { lastError: error, claimedUntil: new Date(now.getTime() + leaseMs), updatedAt: now },
    });
  }

  /** Gives a claim back unsent, so that any instance can take the email at once instead of after the lease. */
  async release(id: string, owner: string, now = new Date()): Promise<void> {
    await this.claims.collection.updateOne({ _id: id, claimedBy: owner } as never, { $set: { claimedBy: null, claimedUntil: new Date(0), updatedAt: now } });
  }

  /**
   * Puts a failed delivery back to be sent again (ops re-send): the claim is freed (keeping the failure
   * as its last error) while the failed outcome still guards it, then the outcome is removed.
   */
  async reopen(id: string, now = new Date()): Promise<boolean> {
    const outcome = await this.outcomes.findById(id).lean<OutcomeDocument>().exec();
    if (outcome?.status !== 'failed') return false;
    await this.claims.collection.updateOne({ _id: id } as never, {
      $inc: { attempts: 1 },
      $set: { lastError: outcome.reason, claimedBy: null, claimedUntil: new Date(0), updatedAt: now },
    });
    const removed = await this.outcomes.collection.deleteOne({ _id: id, status: 'failed' } as never);
    return removed.deletedCount === 1;
  }

  async find(eventId: string, recipient: Recipient, kind: NotificationKind = 'autobooked'): Promise<Delivery | null> {
    const id = deliveryId(eventId, recipient, kind);
    const [claim, outcome] = await Promise.all([
      this.claims.findById(id).lean<ClaimDocument>().exec(),
      this.outcomes.findById(id).lean<OutcomeDocument>().exec(),
    ]);
    return claim ? toDelivery(claim, outcome) : null;
  }

  /** Deliveries, newest claim first; those with a status are found by their outcomes, or by lack of one. */
  async list(filter: { status?: DeliveryStatus; eventId?: string }, limit = 100): Promise<Delivery[]> {
    const byEvent = filter.eventId === undefined ? {} : { eventId: filter.eventId };
    if (filter.status === 'sent' || filter.status === 'failed') {
      const outcomes = await this.outcomes
        .find({ ...byEvent, status: filter.status })
        .sort({ at: -1 })
        .limit(limit)
        .lean<OutcomeDocument[]>()
        .exec();
      const claims = await this.claims
        .find({ _id: { $in: outcomes.map((o) => o._id) } })
        .lean<ClaimDocument[]>()
        .exec();
      return newestFirst(await this.merge(claims, outcomes));
    }
    const found: Delivery[] = [];
    const size = filter.status === 'sending' ? PAGE : Math.min(PAGE, limit);
    const cursor = this.claims.find(byEvent).sort({ createdAt: -1 }).lean<ClaimDocument>().cursor({ batchSize: size });
    try {
      for (let page = await nextPage(cursor, size); page.length > 0 && found.length < limit; page = await nextPage(cursor, size)) {
        const deliveries = await this.merge(page);
        found.push(...(filter.status === 'sending' ? deliveries.filter((d) => d.status === 'sending') : deliveries));
      }
    } finally {
      await cursor.close();
    }
    return found.slice(0, limit);
  }

  private async merge(claims: ClaimDocument[], outcomes?: OutcomeDocument[]): Promise<Delivery[]> {
    outcomes ??=
      claims.length === 0
        ? []
        : await this.outcomes
            .find({ _id: { $in: claims.map((c) => c._id) } })
            .lean<OutcomeDocument[]>()
            .exec();
    const byId = new Map(outcomes.map((o) => [o._id, o]));
    return claims.map((c) => toDelivery(c, byId.get(c._id) ?? null));
  }

  /**
   * Ledgers written before outcomes had their collection kept the status in the claim (with `sentAt`,
   * and attempts counting the last one): their sent and failed emails get their outcome, their claims
   * the current shape. Safe to run again and from two instances at once.
   */
  private async moveLegacyOutcomes(): Promise<void> {
    type Legacy = ClaimDocument & { status: DeliveryStatus; sentAt: Date | null };
    await this.claims.collection.dropIndex('status_1').catch(() => undefined);
    const legacy = (await this.claims.collection.find({ status: { $exists: true } }).toArray()) as unknown as Legacy[];
    if (legacy.length === 0) return;
    const ended = legacy.filter((d) => d.status === 'sent' || d.status === 'failed');
    if (ended.length > 0) {
      const outcomes: OutcomeDocument[] = ended.map((d) => ({
        _id: d._id,
        eventId: d.eventId,
        recipient: d.recipient,
        status: d.status as OutcomeStatus,
        reason: d.status === 'failed' ? d.lastError : null,
        at: d.sentAt ?? d.updatedAt,
      }));
      await this.outcomes.collection.insertMany(outcomes as never[], { ordered: false }).catch((error) => {
        if (!duplicatesIn(error)) throw error;
      });
    }
    await this.claims.collection.updateMany({ status: 'sent' }, { $inc: { attempts: -1 }, $unset: { status: '', sentAt: '' } });
    await this.claims.collection.updateMany({ status: { $exists: true } }, { $unset: { status: '', sentAt: '' } });
  }
}

/** When an insert failed only because documents with those `_id`s were there: their indexes in the insert. */
export function duplicatesIn(error: unknown): Set<number> | null {
  const e = error as { code?: number; writeErrors?: { index: number; code: number }[] | { index: number; code: number } };
  const writeErrors = e.writeErrors === undefined ? [] : Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  if (writeErrors.length > 0) return writeErrors.every((w) => w.code === 11000) ? new Set(writeErrors.map((w) => w.index)) : null;
  return e.code === 11000 ? new Set([0]) : null;
}

function throwAgain(error: unknown): never {
  throw error;
}

async function nextPage<T>(cursor: { next(): Promise<T | null> }, size: number): Promise<T[]> {
  const page: T[] = [];
  while (page.length < size) {
    const doc = await cursor.next();
    if (doc === null) break;
    page.push(doc);
  }
  return page;
}

function newestFirst(deliveries: Delivery[]): Delivery[] {
  return deliveries.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}
