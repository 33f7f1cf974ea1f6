import { TOPICS } from '#contracts';
import { ReceivedEmail } from '#testing';
import { NotifierWorld, aFailure, aVoid, anAutobook, anUpcoming } from './notifier-harness.js';

const SCRIPT_NAME = '<script>alert(1)</script>';
const INJECTING_NAME = 'Mallory\r\nBcc: victim@example.com';

// Names come from the event, that is from users: they are text, never markup and never a header.
describe('notifier: hostile names in the event', () => {
  let world: NotifierWorld;
  const scripted = anAutobook('script', { clientId: 'client-script' });
  scripted.client = { ...scripted.client, name: SCRIPT_NAME };
  scripted.coach = { ...scripted.coach, name: SCRIPT_NAME };
  const injecting = anAutobook('inject', { clientId: 'client-inject' });
  injecting.client = { ...injecting.client, name: INJECTING_NAME };
  injecting.coach = { ...injecting.coach, name: INJECTING_NAME };
  // The heads-up, the void and the failed payment (whose names come from its autobook) with the same names.
  const hostile = (tag: string) => ({
    client: { name: INJECTING_NAME, email: `client.${tag}@example.com` },
    coach: { name: SCRIPT_NAME, email: `coach.${tag}@example.com` },
  });
  const upcoming = anUpcoming('h-up', { clientId: 'client-h-up', ...hostile('h-up') });
  const voided = aVoid('h-void', { clientId: 'client-h-void', ...hostile('h-void') });
  const paid = anAutobook('h-paid', { clientId: 'client-h-paid', ...hostile('h-paid') });
  const failure = aFailure(paid);
  let emails: ReceivedEmail[];
  let others: ReceivedEmail[];

  beforeAll(async () => {
    world = await NotifierWorld.create();
    await world.startNotifier();
    await world.produce(scripted, injecting, paid);
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_UPCOMING, upcoming);
    await world.produceTo(TOPICS.SESSION_AUTOBOOK_VOIDED, voided);
    await world.waitForEmails([scripted, injecting, paid]);
    await world.produceTo(TOPICS.PAYMENT_FAILED, failure);
    await world.waitForEmailsTo([upcoming.client.email, voided.client.email, voided.coach.email]);
    await world.waitForEmails([paid], 4);
    emails = [...world.emailsOf(scripted), ...world.emailsOf(injecting)];
    others = [
      ...world.emailsOf(scripted),
      ...world.emailsTo(upcoming.client.email),
      ...world.emailsTo(voided.client.email),
      ...world.emailsTo(voided.coach.email),
    ];
  });

  it('keeps them text and out of the headers in the heads-up, void and failed-payment emails too', () => {
    expect(world.emailsTo(upcoming.coach.email)).toHaveLength(0);
    expect(world.sink.to('victim@example.com')).toHaveLength(0);
    const paymentEmails = world.emailsOf(paid).filter((e) => e.subject?.includes('payment'));
    expect(paymentEmails).toHaveLength(2);
    for (const email of [...others, ...paymentEmails]) {
      expect(email.html).not.toMatch(/<script/i);
      expect(email.envelopeTo).toHaveLength(1);
      const headerNames = email.parsed.headerLines.map((h) => h.key.toLowerCase());
      expect(headerNames).not.toContain('bcc');
      expect(headerNames.filter((h) => h === 'to')).toHaveLength(1);
      expect(email.subject).not.toMatch(/[\r\n]/);
    }
    for (const email of [...world.emailsTo(voided.coach.email), ...world.emailsTo(upcoming.client.email)]) {
      expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(email.text).toContain(SCRIPT_NAME);
    }
  });

  afterAll(async () => {
    await world?.close();
  });

  it('shows a <script> name as text in the HTML part, escaped, with no script element', () => {
    for (const email of world.emailsOf(scripted)) {
      expect(email.html).not.toMatch(/<script/i);
      expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      // The text part and the subject are not HTML: the reader sees the name as it is.
      expect(email.text).toContain(SCRIPT_NAME);
      expect(email.subject).toContain(SCRIPT_NAME);
    }
  });

  it('sends each email only to its one recipient, whatever the names say', () => {
    expect(world.sink.to('victim@example.com')).toHaveLength(0);
    for (const event of [scripted, injecting]) {
      expect(world.sink.to(event.coach.email).map((m) => m.envelopeTo)).toEqual([[event.coach.email]]);
      expect(world.sink.to(event.client.email).map((m) => m.envelopeTo)).toEqual([[event.client.email]]);
    }
    for (const email of emails) {
      expect(email.parsed.bcc).toBeUndefined();
      expect(email.parsed.cc).toBeUndefined();
      const to = Array.isArray(email.parsed.to) ? email.parsed.to : [email.parsed.to];
      expect(to.flatMap((t) => t?.value ?? []).map((a) => a.address)).toHaveLength(1);
    }
  });

  it('lets no CR/LF in a name start a header of its own', () => {
    for (const email of world.emailsOf(injecting)) {
      const headerNames = email.parsed.headerLines.map((h) => h.key.toLowerCase());
      expect(headerNames).not.toContain('bcc');
      expect(headerNames.filter((h) => h === 'to')).toHaveLength(1);
      expect(headerNames.filter((h) => h === 'subject')).toHaveLength(1);
      // The subject stays one line, the name flattened into it.
      expect(email.subject).toContain('Mallory Bcc: victim@example.com');
      expect(email.subject).not.toMatch(/[\r\n]/);
      // The recipient's display name is flattened too, and their address is untouched.
      const [to] = (Array.isArray(email.parsed.to) ? email.parsed.to : [email.parsed.to!]).flatMap((t) => t.value);
      expect(to.name).toBe('Mallory Bcc: victim@example.com');
      expect([injecting.coach.email, injecting.client.email]).toContain(to.address);
    }
  });
});
