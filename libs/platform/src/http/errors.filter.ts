import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { CodedError, isTransient } from '../errors.js';

export interface ErrorAnswer {
  status: number;
  body: { code: string; message: string };
}

/**
 * The API's answer to an error, by its type: a CodedError answers with its own status and code; Nest's
 * HttpException with its status (and its code when it has one); the body parser's refusals with 400 or
 * 413; a transient failure (isTransient) with 503 UNAVAILABLE; anything else with 500 INTERNAL and
 * nothing of the error in the body.
 */
export function answerTo(error: unknown): ErrorAnswer {
  if (error instanceof CodedError) return { status: error.status, body: { code: error.code, message: error.message } };
  // A path that is not valid percent-encoding (`%FF`): the router fails to decode the parameter.
  if (error instanceof URIError || /failed to decode param/i.test(String((error as Error)?.message))) {
    return { status: HttpStatus.BAD_REQUEST, body: { code: 'INVALID_PARAMETER', message: 'a path parameter is not valid percent-encoded UTF-8' } };
  }
  const parserType = (error as { type?: string } | null)?.type;
  if (parserType === 'entity.too.large' || (error instanceof HttpException && error.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE)) {
    return { status: HttpStatus.PAYLOAD_TOO_LARGE, body: { code: 'INVALID_BODY', message: 'the body is too large' } };
  }
  if (parserType === 'entity.parse.failed') return { status: HttpStatus.BAD_REQUEST, body: { code: 'INVALID_BODY', message: 'the body is not valid JSON' } };
  if (error instanceof HttpException) {
    const body = error.getResponse();
    const status = error.getStatus();
    if (typeof body === 'object' && body !== null && 'code' in body) {
      return { status, body: { code: (body as { code: string }).code, message: (body as { message?: string }).message ?? error.message } };
    }
    // A 400 without a code of ours comes from the body parser: the body is not JSON.
    return { status, body: { code: status === 404 ? 'NOT_FOUND' : status === 400 ? 'INVALID_BODY' : `HTTP_${status}`, message: error.message } };
  }
  if (isTransient(error))
    return { status: HttpStatus.SERVICE_UNAVAILABLE, body: { code: 'UNAVAILABLE', message: 'the service could not complete the request; try again' } };
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { code: 'INTERNAL', message: 'the service failed to complete the request' } };
}

/**
 * The one error filter of an app, for every context. At the HTTP edge each error is answered once, as
 * `answerTo` says, and failures of the service (5xx) are logged. An event handler's error goes back to
 * the Kafka transport as it was thrown: the transport tells a retry from a dead letter by its type.
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') return throwError(() => error);
    const { status, body } = answerTo(error);
    if (status >= 500) this.logger.error({ message: 'request failed', code: body.code, error: String(error) }, (error as Error)?.stack);
    host.switchToHttp().getResponse<Response>().status(status).json(body);
  }
}
