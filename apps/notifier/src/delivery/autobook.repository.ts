import { SessionAutobooked } from '#contracts';
import { ensureCollections, modelOf } from '#platform/mongo/mongo-connection';
import { MONGO_CONNECTION } from '#platform/mongo/mongo.module';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { type Connection, Model } from 'mongoose';
import { AUTOBOOKS_COLLECTION, AutobookDocument, autobookSchema } from './autobook.schema.js';
import { duplicatesIn } from './delivery.repository.js';

/** The autobooks the notifier has seen, by eventId: one insert each (a replay's is refused by `_id`). */
@Injectable()
export class AutobookRepository implements OnModuleInit {
  private readonly autobooks: Model<AutobookDocument>;

  constructor(@Inject(MONGO_CONNECTION) connection: Connection) {
    this.autobooks = modelOf<AutobookDocument>(connection, AUTOBOOKS_COLLECTION, autobookSchema);
  }

  /** Before anything is consumed: the collection and its indexes exist. */
  onModuleInit(): Promise<void> {
    return this.ensureIndexes();
  }

  async ensureIndexes(): Promise<void> {
    await ensureCollections([this.autobooks]);
  }

  async record(autobook: SessionAutobooked, now = new Date()): Promise<void> {
    const doc: AutobookDocument = { _id: autobook.eventId, clientId: autobook.clientId, coachId: autobook.coachId, event: autobook, recordedAt: now };
    try {
      await this.autobooks.collection.insertOne(doc as never);
    } catch (error) {
      // Seen before (a redelivery, a replay): the same eventId always carries the same autobook.
      if (!duplicatesIn(error)) throw error;
    }
  }

  async find(eventId: string): Promise<SessionAutobooked | null> {
    const doc = await this.autobooks.findById(eventId).lean<AutobookDocument>().exec();
    return doc?.event ?? null;
  }
}
