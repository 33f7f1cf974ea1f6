import { MAX_PAUSE_MS, describeIssues, enrollmentRequestSchema, pathIdSchema, pauseRequestSchema } from '#contracts';
import { BadRequestException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Put, Query, UseGuards } from '@nestjs/common';
import { toPairView } from '../domain/index.js';
import { PairRepository } from '../renewal/pair.repository.js';
import { Clock } from '../renewal/clock.js';
import { RenewalService } from '../renewal/renewal.service.js';
import { CurrentCaller, JwtAuthGuard, assertCanRead, assertCanWrite } from './auth.js';
import type { Caller } from './token-verifier.js';
import { RateLimitGuard } from './rate-limit.guard.js';

function pathId(name: string, value: string): string {
  const parsed = pathIdSchema.safeParse(value);
  if (!parsed.success) throw new BadRequestException({ code: 'INVALID_PARAMETER', message: `${name} must be 1 to 200 characters` });
  return parsed.data;
}

/** The client's Ongoing Training switch, per coach, and the decisions made for the pair. */
@Controller('v1/clients/:clientId/ongoing-training')
// The rate limit comes first: a flood of bad tokens is limited too.
@UseGuards(RateLimitGuard, JwtAuthGuard)
export class EnrollmentController {
  constructor(
    private readonly renewals: RenewalService,
    private readonly pairs: PairRepository,
    private readonly clock: Clock,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller, @Param('clientId') rawClientId: string) {
    const clientId = pathId('clientId', rawClientId);
    assertCanRead(caller, clientId);
    const pairs = await this.pairs.findByClient(clientId);
    const visible = caller.role === 'coach' ? pairs.filter((p) => p.state.coachId === caller.sub) : pairs;
    return { clientId, coaches: visible.map((p) => toPairView(p.state)) };
  }

  @Put(':coachId')
  async set(@CurrentCaller() caller: Caller, @Param('clientId') rawClientId: string, @Param('coachId') rawCoachId: string, @Body() body: unknown) {
    const clientId = pathId('clientId', rawClientId);
    const coachId = pathId('coachId', rawCoachId);
    assertCanWrite(caller, clientId);
    const parsed = enrollmentRequestSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException({ code: 'INVALID_BODY', message: `expected { "enrolled": boolean }: ${describeIssues(parsed.error)}` });
    const { view, autobooked } = await this.renewals.setEnrollment(clientId, coachId, parsed.data.enrolled);
    return autobooked ? { ...view, autobooked } : view;
  }

  @Put(':coachId/pause')
  async pause(@CurrentCaller() caller: Caller, @Param('clientId') rawClientId: string, @Param('coachId') rawCoachId: string, @Body() body: unknown) {
    const clientId = pathId('clientId', rawClientId);
    const coachId = pathId('coachId', rawCoachId);
    assertCanWrite(caller, clientId);
    const parsed = pauseRequestSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException({ code: 'INVALID_BODY', message: `expected { "until": time }: ${describeIssues(parsed.error)}` });
    const until = Date.parse(parsed.data.until);
    const now = this.clock.now().getTime();
    if (until <= now || until > now + MAX_PAUSE_MS) {
      throw new BadRequestException({ code: 'INVALID_BODY', message: 'until must be after now and at most 180 days ahead' });
    }
    // Stored as the instant it is, in UTC, so that the register compares and the due check are plain.
    const { view } = await this.renewals.setPause(clientId, coachId, new Date(until).toISOString());
    return view;
  }

  @Delete(':coachId/pause')
  @HttpCode(200)
  async resume(@CurrentCaller() caller: Caller, @Param('clientId') rawClientId: string, @Param('coachId') rawCoachId: string) {
    const clientId = pathId('clientId', rawClientId);
    const coachId = pathId('coachId', rawCoachId);
    assertCanWrite(caller, clientId);
    const { view, autobooked } = await this.renewals.setPause(clientId, coachId, null);
    return autobooked ? { ...view, autobooked } : view;
  }

  @Get(':coachId/history')
  async history(
    @CurrentCaller() caller: Caller,
    @Param('clientId') rawClientId: string,
    @Param('coachId') rawCoachId: string,
    @Query('limit') rawLimit: string | undefined,
    @Query('before') rawBefore: unknown,
  ) {
    const limit = rawLimit === undefined ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new BadRequestException({ code: 'INVALID_PARAMETER', message: 'limit must be a whole number from 1 to 1000' });
    }
    const clientId = pathId('clientId', rawClientId);
    const coachId = pathId('coachId', rawCoachId);
    assertCanRead(caller, clientId, coachId);
    if (rawBefore !== undefined && typeof rawBefore !== 'string') {
      throw new BadRequestException({ code: 'INVALID_PARAMETER', message: 'before must be given once' });
    }
    const page = await this.pairs.history(clientId, coachId, limit, rawBefore);
    if (page === null) throw new NotFoundException({ code: 'NOT_FOUND', message: 'nothing is known about this pair' });
    return { clientId, coachId, entries: page.entries, next: page.next };
  }
}
