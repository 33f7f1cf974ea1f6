import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InboundConsumer, InboundConsumerOptions } from './inbound-consumer.js';

/**
 * An app's Kafka edge as a Nest provider: its InboundConsumer starts once the app is up and stops
 * (leaving its group once the chunk in hand is done) when the app shuts down; `healthy` feeds
 * /health/ready. A subclass says what to consume and what to do with it.
 */
export abstract class InboundConsumerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: InboundConsumer | null = null;

  /** Called once, at bootstrap. */
  protected abstract consumerOptions(): InboundConsumerOptions;

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new InboundConsumer(this.consumerOptions());
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  get healthy(): boolean {
    return this.consumer?.healthy ?? false;
  }

  /** How long the oldest chunk in hand has been worked on without progress (0: none in hand). */
  stalledForMs(): number {
    return this.consumer?.stalledForMs() ?? 0;
  }
}
