import { SessionAutobooked } from '#contracts';
import mongoose from 'mongoose';
import { DbProxy } from '../../support/db-proxy.js';
import { waitFor } from '#testing';
import { NotifierWorld, anAutobook, emailCounts } from './notifier-harness.js';

// The ledger's cost on the way of an email: a first delivery that the SMTP server accepts is two inserts
// (the claims of both emails in one, then an outcome per email), plus the record of the autobook for the
// failed payments that may name it (R16), no read and no update, so it does not
// slow down as the ledger grows on a database that scans for those (FerretDB). The database commands
// the notifier sends are counted by a wire-protocol proxy between it and the database.
describe('notifier: the delivery ledger', () => {
  let world: NotifierWorld;
  let proxy: DbProxy;
  // Recorded by a notifier that kept the status in the claim documents.
  const legacySent = anAutobook('legacy-sent', { clientId: 'client-legacy' });
  const legacyFailed = anAutobook('legacy-failed', { clientId: 'client-legacy' });
  const fresh = Array.from({ length: 4 }, (_, i) => anAutobook(`fresh-${i}`, { clientId: `client-fresh-${i}` }));
  const READS_AND_WRITES_OTHER_THAN_INSERT = ['find', 'getMore', 'aggregate', 'count', 'distinct', 'update', 'delete', 'findAndModify'];

  beforeAll(async () => {
    world = await NotifierWorld.create();
    const connection = await mongoose.createConnection(world.mongoUri).asPromise();
    try {
      await connection.collection('deliveries').insertMany(legacyEntries() as never[]);
    } finally {
      await connection.close();
    }
    proxy = await DbProxy.start(process.env.TEST_MONGODB_URL!);
    await world.startNotifier({ MONGODB_URI: proxy.uri(world.database) });
  });

  afterAll(async () => {
    await world?.close();
    await proxy?.stop();
  });

  it('sends the emails of a first delivery with inserts only: no read, no update of the ledger', async () => {
    // Settled first: one event handled and its offset committed, so that nothing from the start-up (a
    // rebalance right after joining redelivers what was not committed yet, which is then read, rightly)
    // falls into the measured window.
    const warmUp = anAutobook('warm-up', { clientId: 'client-warm-up' });
    await world.produce(warmUp);
    await world.waitForEmails([warmUp]);
    await world.waitForGroupAtEnd(world.env().KAFKA_GROUP_ID);
    await proxy.commands(true);
    await world.produce(...fresh);
    await world.waitForEmails(fresh);
    const ledger = await world.ledger();
    // The outcome is inserted just after the SMTP server accepted the email.
    await waitFor('the outcomes of the emails', async () => (await ledger.outcomes.countDocuments({ eventId: { $in: fresh.map((e) => e.eventId) } })) === 8);
    const commands = await proxy.commands();
    expect(Object.keys(commands).filter((name) => READS_AND_WRITES_OTHER_THAN_INSERT.some((c) => name.startsWith(c)))).toEqual([]);
    // Per event: one insert records the autobook, one claims both emails, one per email records it sent.
    expect(commands.insert).toBe(fresh.length * 4);
    expect(await ledger.autobooks.countDocuments({ _id: { $in: fresh.map((e) => e.eventId) } })).toBe(fresh.length);
    expect(await ledger.countDocuments({ eventId: { $in: fresh.map((e) => e.eventId) }, status: 'sent', attempts: 1 })).toBe(8);
    // The claims are as they were inserted.
    for (const claim of await ledger.claims.find({ eventId: { $in: fresh.map((e) => e.eventId) } }).toArray()) {
      expect(claim.updatedAt).toEqual(claim.createdAt);
    }
  });

  it('answers a redelivered event from the recorded outcomes: nothing sent, nothing updated, nothing recorded again', async () => {
    const [again] = fresh;
    const claimsBefore = await (await world.ledger()).claims.find({ eventId: again.eventId }).toArray();
    await proxy.commands(true);
    await world.produce(again);
    const markers = await world.drain([again.clientId], 'after-redelivery');
    expect(emailCounts(world, [again, ...markers])).toEqual({ [again.eventId]: 2, [markers[0].eventId]: 2 });
    const commands = await proxy.commands();
    expect(Object.keys(commands).filter((name) => ['update', 'delete', 'findAndModify'].some((c) => name.startsWith(c)))).toEqual([]);
    const ledger = await world.ledger();
    expect(await ledger.outcomes.countDocuments({ eventId: again.eventId })).toBe(2);
    expect(await ledger.claims.find({ eventId: again.eventId }).toArray()).toEqual(claimsBefore);
  });

  it('keeps what a ledger recorded before outcomes had their own collection: sent stays sent, failed stays failed', async () => {
    await world.produce(legacySent, legacyFailed);
    const markers = await world.drain([legacySent.clientId], 'after-legacy');
    expect(emailCounts(world, [legacySent, legacyFailed, ...markers])).toEqual({ [legacySent.eventId]: 0, [legacyFailed.eventId]: 0, [markers[0].eventId]: 2 });
    // The event with an email given up on is dead-lettered again, as it was the first time.
    await waitFor('the dead letter of the event given up on', async () => (await world.dlqSize()) === 1);
    const ledger = await world.ledger();
    const entries = await ledger.entries({ eventId: { $in: [legacySent.eventId, legacyFailed.eventId] } });
    expect(entries.map((e) => [e.eventId, e.recipient, e.status, e.attempts, e.lastError]).sort()).toEqual(
      [
        [legacyFailed.eventId, 'client', 'sent', 1, null],
        [legacyFailed.eventId, 'coach', 'failed', 3, 'gave up after 3 attempts: ETIMEDOUT'],
        [legacySent.eventId, 'client', 'sent', 1, null],
        [legacySent.eventId, 'coach', 'sent', 2, null],
      ].sort(),
    );
    expect(await ledger.claims.countDocuments({ status: { $exists: true } } as never)).toBe(0);
  });

  function legacyEntries() {
    const at = new Date('2025-01-06T09:00:00Z');
    const entry = (event: SessionAutobooked, recipient: 'coach' | 'client', status: 'sent' | 'failed', attempts: number, lastError: string | null) => ({
      _id: JSON.stringify([event.eventId, recipient]),
      eventId: event.eventId,
      recipient,
      address: event[recipient].email,
      status,
      messageId: `<legacy.${event.eventId}.${recipient}@mail.coachup.test>`,
      attempts,
      lastError,
      claimedBy: null,
      claimedUntil: null,
      event,
      createdAt: at,
      updatedAt: at,
      sentAt: status === 'sent' ? at : null,
    });
    return [
      entry(legacySent, 'coach', 'sent', 2, null),
      entry(legacySent, 'client', 'sent', 1, null),
      // Attempts then counted only the retried ones.
      entry(legacyFailed, 'coach', 'failed', 2, 'gave up after 3 attempts: ETIMEDOUT'),
      entry(legacyFailed, 'client', 'sent', 1, null),
    ];
  }
});
