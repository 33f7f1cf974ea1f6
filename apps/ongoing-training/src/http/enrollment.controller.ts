import { describeIssues, enrollmentRequestSchema, pathIdSchema } from '@app/contracts';
import { BadRequestException, Body, Controller, Get, NotFoundException, Param, Put, Query, UseGuards } from '@nestjs/common';
import { toPairView } from '../domain';
import { PairRepository } from '../renewal/pair.repository';
import { RenewalService } from '../renewal/renewal.service';
import { Caller, CurrentCaller, JwtAuthGuard, assertCanRead, assertCanWrite } from './auth';
import { RateLimitGuard } from './rate-limit.guard';

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

  @Get(':coachId/history')
  async history(
    @CurrentCaller() caller: Caller,
    @Param('clientId') rawClientId: string,
    @Param('coachId') rawCoachId: string,
    @Query('limit') rawLimit: string | undefined,
  ) {
    const limit = rawLimit === undefined ? 100 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new BadRequestException({ code: 'INVALID_PARAMETER', message: 'limit must be a whole number from 1 to 1000' });
    }
    const clientId = pathId('clientId', rawClientId);
    const coachId = pathId('coachId', rawCoachId);
    assertCanRead(caller, clientId, coachId);
    const entries = await this.pairs.history(clientId, coachId, limit);
    if (entries === null) throw new NotFoundException({ code: 'NOT_FOUND', message: 'nothing is known about this pair' });
    return { clientId, coachId, entries };
  }
}
