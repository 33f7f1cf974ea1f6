import { TOPICS } from '#contracts';
import { aPackageBooked, aSessionCompleted } from '#contracts/testing/builders';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { jest } from '@jest/globals';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { Kafka } from 'kafkajs';
import { PermanentError, TransientError } from '../errors.js';
import { ErrorsFilter } from '../http/errors.filter.js';
import { EventPublisher } from './event-publisher.js';
import type { InboundItem } from './inbound-consumer.js';
import { type InboundChunk, KafkaServer } from './kafka.transport.js';
import { TopicNames } from './topic-names.js';

const EVENTS = Symbol('events');

/** Handlers as an app writes them; each records what it was given, and fails when the event says so. */
@Controller()
class Handlers {
  static received: InboundChunk<typeof TOPICS.PACKAGE_BOOKED | typeof TOPICS.SESSION_COMPLETED>[] = [];

  @EventPattern(TOPICS.PACKAGE_BOOKED, EVENTS)
  async packageBooked(@Payload() chunk: InboundChunk<typeof TOPICS.PACKAGE_BOOKED>): Promise<void> {
    Handlers.received.push(chunk);
    await chunk.heartbeat();
    const { packageId } = chunk.items[0].payload;
    if (packageId === 'database-away') throw new TransientError('database away');
    if (packageId === 'never') throw new PermanentError('NEVER', 'never applicable');
  }

  @EventPattern(TOPICS.SESSION_COMPLETED, EVENTS)
  async sessionCompleted(@Payload() chunk: InboundChunk<typeof TOPICS.SESSION_COMPLETED>): Promise<void> {
    Handlers.received.push(chunk);
  }
}

/** A handler of a topic that is not a contract's. */
@Controller()
class Stray {
  @EventPattern('orders.created', EVENTS)
  created(_chunk: unknown): void {}
}

const meta = (offset: number) => ({ topic: `run-1.${TOPICS.PACKAGE_BOOKED}`, partition: 2, offset: String(offset) });

/** The transport as Nest sets it up: its handlers registered, the app's error filter in place. No broker is needed. */
async function aTransport(controllers: (typeof Handlers | typeof Stray)[]): Promise<{ server: KafkaServer; app: INestMicroservice }> {
  const server = new KafkaServer(
    { kafka: {} as Kafka, names: new TopicNames('run-1.'), publisher: {} as EventPublisher, ensureTopics: async () => undefined, observer: () => undefined },
    { id: EVENTS, groupId: 'group-1' },
  );
  const module = await Test.createTestingModule({ controllers }).compile();
  const app = module.createNestMicroservice({ strategy: server });
  app.useGlobalFilters(new ErrorsFilter());
  await app.init();
  return { server, app };
}

describe('KafkaServer: the @EventPattern handlers of the contract topics, as the consumer applies them', () => {
  let transport: { server: KafkaServer; app: INestMicroservice };
  beforeEach(async () => {
    Handlers.received = [];
    transport = await aTransport([Handlers]);
  });
  afterEach(() => transport.app.close());

  const routeOf = (topic: string) => transport.server.routes().find((r) => r.contract === topic)!;

  it('makes a route of each handler, named by its contract topic', () => {
    expect(
      transport.server
        .routes()
        .map((r) => r.contract)
        .sort(),
    ).toEqual([TOPICS.PACKAGE_BOOKED, TOPICS.SESSION_COMPLETED]);
  });

  it('hands a handler its chunk: the contract topic, the partition, the typed items in order, and the heartbeat', async () => {
    const items: InboundItem<unknown>[] = [
      { payload: aPackageBooked({ packageId: 'p1' }), meta: meta(7) },
      { payload: aPackageBooked({ packageId: 'p2' }), meta: meta(8) },
    ];
    const heartbeat = jest.fn(async () => undefined);

    await routeOf(TOPICS.PACKAGE_BOOKED).apply(items as never, { heartbeat });

    expect(Handlers.received).toHaveLength(1);
    const [chunk] = Handlers.received;
    expect({ topic: chunk.topic, partition: chunk.partition, packages: chunk.items.map((i) => (i.payload as { packageId: string }).packageId) }).toEqual({
      topic: TOPICS.PACKAGE_BOOKED,
      partition: 2,
      packages: ['p1', 'p2'],
    });
    expect(heartbeat).toHaveBeenCalledTimes(1);
  });

  it("hands a handler's failure back to the consumer as it was thrown, so that a transient one is retried and a permanent one dead-lettered", async () => {
    const apply = (packageId: string) =>
      routeOf(TOPICS.PACKAGE_BOOKED).apply([{ payload: aPackageBooked({ packageId }), meta: meta(1) }] as never, { heartbeat: async () => undefined });

    await expect(apply('database-away')).rejects.toBeInstanceOf(TransientError);
    await expect(apply('never')).rejects.toMatchObject({ name: 'PermanentError', code: 'NEVER' });
  });

  it('routes each topic to its own handler', async () => {
    await routeOf(TOPICS.SESSION_COMPLETED).apply([{ payload: aSessionCompleted(), meta: meta(3) }] as never, { heartbeat: async () => undefined });

    expect(Handlers.received.map((c) => c.topic)).toEqual([TOPICS.SESSION_COMPLETED]);
  });
});

describe('KafkaServer: a handler of a topic that has no contract', () => {
  it('is refused before anything is consumed, naming the pattern', async () => {
    const { server, app } = await aTransport([Stray]);
    try {
      expect(() => server.routes()).toThrow("@EventPattern('orders.created') is not a contract topic");
    } finally {
      await app.close();
    }
  });
});
