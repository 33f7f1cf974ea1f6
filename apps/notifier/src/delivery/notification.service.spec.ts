import { SessionAutobooked } from '#contracts';
import { aSessionAutobookUpcoming } from '#contracts/testing/builders';
import { PermanentError, TransientError } from '#platform';
import { loadNotifierConfig } from '../config.js';
import { EmailRenderer, RenderedEmail } from '../mail/email-renderer.js';
import { aSessionAutobooked } from '../mail/session-autobooked.builder.js';
import { NotifierMetrics } from '../observability/notifier.metrics.js';
import { ClaimResult, DeliveryRepository, NewDelivery } from './delivery.repository.js';
import { OutcomeDocument, OutcomeStatus, Recipient } from './delivery.schema.js';
import { Mailer } from './mailer.js';
import { NotificationService } from './notification.service.js';

/** A ledger in memory: claims answer what the test says, outcomes are kept in the order recorded. */
class LedgerFake {
  readonly outcomes: { recipient: Recipient; status: OutcomeStatus; reason: string | null }[] = [];
  constructor(private readonly answers: Partial<Record<Recipient, ClaimResult>> = {}) {}

  async claim(deliveries: NewDelivery[]): Promise<ClaimResult[]> {
    return deliveries.map((d) => this.answers[d.recipient] ?? 'claimed');
  }

  async recordOutcome(delivery: { eventId: string; recipient: Recipient }, status: OutcomeStatus, reason: string | null): Promise<OutcomeDocument> {
    this.outcomes.push({ recipient: delivery.recipient, status, reason });
    return { _id: '', ...delivery, status, reason, at: new Date() };
  }

  async recordAttempt(): Promise<void> {}
  async release(): Promise<void> {}
}

/** An SMTP server per recipient: each send waits for what `answer` returns (a promise the test settles). */
class MailerFake {
  readonly sending: Recipient[] = [];
  constructor(private readonly answer: (recipient: Recipient) => Promise<void>) {}

  messageId(eventId: string, recipient: string, kind: string): string {
    return `<${eventId}.${recipient}.${kind}@test>`;
  }

  async send(email: RenderedEmail): Promise<void> {
    const recipient: Recipient = email.to.address === event.coach.email ? 'coach' : 'client';
    this.sending.push(recipient);
    await this.answer(recipient);
  }

  classify(error: unknown) {
    return { kind: 'permanent' as const, reason: (error as Error).message };
  }
}

const event: SessionAutobooked = aSessionAutobooked();
const config = loadNotifierConfig({ SMTP_MAX_ATTEMPTS: '2', SMTP_RETRY_MAX_MS: '10' });

function service(ledger: LedgerFake, mailer: MailerFake) {
  return new NotificationService(config, new EmailRenderer(), mailer as unknown as Mailer, ledger as unknown as DeliveryRepository, new NotifierMetrics());
}

/** A promise settled from outside. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

describe('NotificationService.notify', () => {
  it('sends the one email of a heads-up (R13), to the client, claimed under the heads-up kind', async () => {
    const mailer = new MailerFake(async () => undefined);
    const claimed: NewDelivery[] = [];
    const ledger = new LedgerFake();
    const claim = ledger.claim.bind(ledger);
    ledger.claim = async (deliveries: NewDelivery[]) => (claimed.push(...deliveries), claim(deliveries));
    const upcoming = aSessionAutobookUpcoming({ eventId: event.eventId, client: event.client, coach: event.coach });
    await service(ledger, mailer).notify({ kind: 'autobook-upcoming', event: upcoming });
    expect(mailer.sending).toEqual(['client']);
    expect(claimed.map((d) => [d.notification.kind, d.recipient, d.messageId])).toEqual([
      ['autobook-upcoming', 'client', `<${event.eventId}.client.autobook-upcoming@test>`],
    ]);
    expect(ledger.outcomes).toEqual([{ recipient: 'client', status: 'sent', reason: null }]);
  });

  it('sends the two emails of an autobook side by side', async () => {
    const coach = gate();
    const client = gate();
    const mailer = new MailerFake((r) => (r === 'coach' ? coach : client).promise);
    const ledger = new LedgerFake();
    const notified = service(ledger, mailer).notify({ kind: 'autobooked', event });
    // Both are at the SMTP server before either is answered.
    await until(() => mailer.sending.length === 2);
    client.open();
    coach.open();
    await notified;
    expect(ledger.outcomes.map((o) => `${o.recipient}:${o.status}`).sort()).toEqual(['client:sent', 'coach:sent']);
  });

  it('records both outcomes before failing the event when one email is refused', async () => {
    const coach = gate();
    const mailer = new MailerFake((r) => (r === 'coach' ? coach.promise : Promise.reject(new Error('550 no such mailbox'))));
    const ledger = new LedgerFake();
    let settled = false;
    const notified = service(ledger, mailer)
      .notify({ kind: 'autobooked', event })
      .finally(() => (settled = true));
    await until(() => ledger.outcomes.length === 1);
    expect(ledger.outcomes).toEqual([{ recipient: 'client', status: 'failed', reason: 'refused: 550 no such mailbox' }]);
    // The coach's email is still at the SMTP server: the event waits for it.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    coach.open();
    await expect(notified).rejects.toThrow(PermanentError);
    await expect(notified).rejects.toThrow(`client <${event.client.email}>: refused: 550 no such mailbox`);
    expect(ledger.outcomes.map((o) => `${o.recipient}:${o.status}`)).toEqual(['client:failed', 'coach:sent']);
  });

  it('sends the free email while the other is held by another instance, then has the event retried', async () => {
    const mailer = new MailerFake(async () => undefined);
    const ledger = new LedgerFake({ client: 'busy' });
    await expect(service(ledger, mailer).notify({ kind: 'autobooked', event })).rejects.toThrow(TransientError);
    expect(mailer.sending).toEqual(['coach']);
    expect(ledger.outcomes).toEqual([{ recipient: 'coach', status: 'sent', reason: null }]);
  });

  it('fails the event again, without sending, when an email was given up on earlier; sends nothing already sent', async () => {
    const mailer = new MailerFake(async () => undefined);
    const ledger = new LedgerFake({ coach: 'already-sent', client: { failed: 'refused: 550 gone' } });
    await expect(service(ledger, mailer).notify({ kind: 'autobooked', event })).rejects.toThrow(`client <${event.client.email}>: refused: 550 gone`);
    expect(mailer.sending).toEqual([]);
    expect(ledger.outcomes).toEqual([]);
  });
});

/** Lets the service's promises run until `condition` holds (no timers: a bounded number of turns). */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !condition(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('the condition never held');
}
