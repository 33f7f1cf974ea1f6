import { Module } from '@nestjs/common';
import { OpsRootCommand } from './cli/root.command.js';
import { AsyncApiCommand } from './contracts/asyncapi.command.js';
import { DeliveriesCommand } from './delivery/deliveries.command.js';
import { ResendCommand } from './delivery/resend.command.js';
import { PairCommand } from './pair/pair.command.js';
import { ProduceCommand } from './kafka/produce.command.js';
import { ReplayCommand } from './kafka/replay.command.js';

/**
 * The ops CLI: its commands, and nothing they need. A command builds what it needs when it runs (the
 * ledger, the notifier's sending code, the pair repository: LedgerModule, ResendModule, PairReaderModule),
 * so that a Kafka command needs neither MongoDB nor SMTP.
 */
@Module({
  providers: [OpsRootCommand, ProduceCommand, ReplayCommand, PairCommand, DeliveriesCommand, ResendCommand, AsyncApiCommand],
})
export class OpsModule {}
