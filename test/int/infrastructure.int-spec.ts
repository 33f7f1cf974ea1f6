import { Kafka, logLevel } from 'kafkajs';
import mongoose, { Schema } from 'mongoose';
import { brokers } from '../support/kafka.js';
import { mongoUriFor } from '../support/mongo.js';
import { runId, waitFor } from '#testing';

// The real parts the system runs on, proven before anything is built on them.
describe('the local infrastructure', () => {
  it('carries a message from a producer to a consumer group through the Kafka broker', async () => {
    const kafka = new Kafka({ clientId: 'infra-test', brokers: brokers(), logLevel: logLevel.NOTHING });
    const topic = runId('infra-smoke');
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const groupId = runId('infra-group');
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
    try {
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: [
          { key: 'client-1', value: 'hello' },
          { key: 'client-2', value: 'world' },
        ],
      });
      const received: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
      await waitFor('both messages', () => received.length === 2, 30000);
      expect(received.sort()).toEqual(['hello', 'world']);
      // The group commits its offsets: the broker knows where it stands.
      const committed = await waitFor('committed offsets', async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const total = offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
        return total === 2 && total;
      });
      expect(committed).toBe(2);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('writes and reads back a mongoose model, and a unique index rejects a duplicate', async () => {
    const connection = await mongoose.createConnection(mongoUriFor(runId('infra')), { retryWrites: false }).asPromise();
    try {
      const Thing = connection.model('Thing', new Schema({ key: { type: String, required: true }, count: Number }));
      await Thing.createCollection();
      await Thing.collection.createIndex({ key: 1 }, { unique: true });
      await Thing.create({ key: 'a', count: 1 });
      expect(await Thing.findOne({ key: 'a' }).lean()).toMatchObject({ key: 'a', count: 1 });
      await expect(Thing.create({ key: 'a', count: 2 })).rejects.toMatchObject({ code: 11000 });
      // Conditional update on a version: the building block of every pair write.
      const won = await Thing.updateOne({ key: 'a', count: 1 }, { $inc: { count: 1 } });
      const lost = await Thing.updateOne({ key: 'a', count: 1 }, { $inc: { count: 1 } });
      expect([won.matchedCount, lost.matchedCount]).toEqual([1, 0]);
    } finally {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    }
  });
});
