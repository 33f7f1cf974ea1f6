import { CodedError } from '#platform/errors';

/** A rule of the domain refused the request: 409 Conflict, with the rule's code. */
export abstract class DomainError extends CodedError {
  readonly status = 409;
}

/** R1: Ongoing Training can be turned on only once a package with that coach is known. */
export class PackageRequiredError extends DomainError {
  readonly code = 'PACKAGE_REQUIRED';
  override readonly name = 'PackageRequiredError';

  constructor(
    readonly clientId: string,
    readonly coachId: string,
  ) {
    super(`client ${clientId} has no package with coach ${coachId} yet: book one before turning Ongoing Training on`);
  }
}

/** R6: the last package is a custom package whose coach does not offer auto-renewal. */
export class AutoRenewalNotOfferedError extends DomainError {
  readonly code = 'AUTO_RENEWAL_NOT_OFFERED';
  override readonly name = 'AutoRenewalNotOfferedError';

  constructor(
    readonly clientId: string,
    readonly coachId: string,
    readonly packageId: string,
  ) {
    super(`the last package ${packageId} of client ${clientId} with coach ${coachId} does not offer auto-renewal`);
  }
}

/** R14: only an enrolled pair can be paused. */
export class NotEnrolledError extends DomainError {
  readonly code = 'NOT_ENROLLED';
  override readonly name = 'NotEnrolledError';

  constructor(
    readonly clientId: string,
    readonly coachId: string,
  ) {
    super(`client ${clientId} does not have Ongoing Training on with coach ${coachId}: there is nothing to pause`);
  }
}

/**
 * R16: a payment event names an autobook this pair never made. An event, not a request: the Kafka edge
 * dead-letters it with this reason.
 */
export class UnknownAutobookError extends Error {
  readonly code = 'UNKNOWN_AUTOBOOK';
  override readonly name = 'UnknownAutobookError';

  constructor(
    readonly clientId: string,
    readonly coachId: string,
    readonly autobookEventId: string,
  ) {
    super(`the pair ${clientId}/${coachId} made no autobook ${autobookEventId}`);
  }
}

/**
 * The caller handed `decide` the state of one pair and an input of another. A bug in the caller, not a
 * client mistake, so it is not a DomainError and must not become a 4xx.
 */
export class PairMismatchError extends Error {
  readonly code = 'PAIR_MISMATCH';
  override readonly name = 'PairMismatchError';

  constructor(state: { clientId: string; coachId: string }, input: { clientId: string; coachId: string }) {
    super(`state of pair ${state.clientId}/${state.coachId} given with an input of pair ${input.clientId}/${input.coachId}`);
  }
}
