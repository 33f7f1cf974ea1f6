import { SessionAutobooked } from '#contracts';
import { AppProcess } from '../../support/apps.js';
import { runId, waitFor } from '#testing';
import { NotifierWorld, anAutobook, emailCounts } from './notifier-harness.js';

// R10: the same event delivered again, a whole topic replayed, a restart in the middle: never an extra
// email, never a lost one. Every event here is checked for exactly its 2 emails.
describe('notifier: exactly one email per recipient and autobook (R10)', () => {
  let world: NotifierWorld;
  let first: AppProcess;
  const clients = ['client-a', 'client-b', 'client-c'];
  const sent: SessionAutobooked[] = [];

  const exactlyTwoEach = (events: SessionAutobooked[]) => expect(emailCounts(world, events)).toEqual(Object.fromEntries(events.map((e) => [e.eventId, 2])));

  beforeAll(async () => {
    world = await NotifierWorld.create();
    first = await world.startNotifier();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('sends the emails of an event delivered 3 times only once', async () => {
    const event = anAutobook('thrice', { clientId: 'client-a' });
    const others = clients.map((clientId, i) => anAutobook(`once-${i}`, { clientId }));
    await world.produce(event, ...others, event, event);
    sent.push(event, ...others);
    // Handled in partition order: once the markers' emails are in, so are all the copies of the event.
    sent.push(...(await world.drain(clients, 'after-thrice')));
    exactlyTwoEach(sent);
    const ledger = await world.ledger();
    expect(await ledger.countDocuments({ eventId: event.eventId })).toBe(2);
    expect(await ledger.countDocuments({ eventId: event.eventId, status: 'sent', attempts: 1 })).toBe(2);
    // One outcome per email, and the copies were answered from it: the claims were never taken over.
    expect(await ledger.outcomes.countDocuments({ eventId: event.eventId })).toBe(2);
    for (const claim of await ledger.claims.find({ eventId: event.eventId }).toArray()) expect(claim.updatedAt).toEqual(claim.createdAt);
  });

  it('sends nothing again when a second notifier (new consumer group, same database) replays the whole topic', async () => {
    const groupId = runId('notifier-replay');
    await world.startNotifier({ KAFKA_GROUP_ID: groupId });
    // Both processes now read every new event; the markers are handled by the replaying group after all
    // the old events of their partition, and its committed offsets reaching the end prove it got there.
    sent.push(...(await world.drain(clients, 'after-replay')));
    await world.waitForGroupAtEnd(groupId);
    await world.waitForGroupAtEnd(world.env().KAFKA_GROUP_ID);
    exactlyTwoEach(sent);
    const ledger = await world.ledger();
    expect(await ledger.countDocuments({ status: { $ne: 'sent' } })).toBe(0);
    expect(await ledger.countDocuments({})).toBe(sent.length * 2);
    expect(await ledger.outcomes.countDocuments({})).toBe(sent.length * 2);
  });

  it('sends every email exactly once across a graceful restart (SIGTERM) in the middle of a stream', async () => {
    // Only the first notifier from here: the replaying one leaves.
    await world.apps[1]?.stop();
    const stream = Array.from({ length: 30 }, (_, i) => anAutobook(`stream-${i}`, { clientId: clients[i % clients.length] }));
    await world.produce(...stream);
    sent.push(...stream);
    const before = world.sink.received.length;
    // An odd count: a coach email is in and its client email not yet, so the stop lands inside an event.
    await waitFor('a third of the stream', () => world.sink.received.length - before >= 21, 60000, 5);
    await first.stop();
    const atStop = world.sink.received.length - before;
    // It left on its own, not killed by the harness after 30 s.
    expect([0, 'SIGTERM']).toContain(first.exitCode ?? first.exitSignal);
    await first.start();
    await world.waitForEmails(stream, 2, 90000);
    sent.push(...(await world.drain(clients, 'after-restart')));
    // The restart really landed in the middle: emails came before and after it.
    expect(atStop).toBeLessThan(stream.length * 2);
    exactlyTwoEach(sent);
    expect(new Set(world.sink.received.map((m) => m.messageId)).size).toBe(world.sink.received.length);
  });
});
