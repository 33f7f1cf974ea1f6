import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '../domain/index.js';

/** Translates every error once, at the HTTP edge, into `{ code, message }`. */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof DomainError) {
      response.status(HttpStatus.CONFLICT).json({ code: error.code, message: error.message });
      return;
    }
    // A path that is not valid percent-encoding (`%FF`): the router fails to decode the parameter.
    if (error instanceof URIError || /failed to decode param/i.test(String((error as Error)?.message))) {
      response.status(HttpStatus.BAD_REQUEST).json({ code: 'INVALID_PARAMETER', message: 'a path parameter is not valid percent-encoded UTF-8' });
      return;
    }
    if ((error as { type?: string }).type === 'entity.too.large' || (error instanceof HttpException && error.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE)) {
      response.status(HttpStatus.PAYLOAD_TOO_LARGE).json({ code: 'INVALID_BODY', message: 'the body is too large' });
      return;
    }
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      response.status(HttpStatus.BAD_REQUEST).json({ code: 'INVALID_BODY', message: 'the body is not valid JSON' });
      return;
    }
    if (error instanceof HttpException) {
      const body = error.getResponse();
      const status = error.getStatus();
      const shaped =
        typeof body === 'object' && body !== null && 'code' in body
          ? { code: (body as { code: string }).code, message: (body as { message?: string }).message ?? error.message }
          : // A 400 without a code of ours comes from the body parser: the body is not JSON.
            { code: status === 404 ? 'NOT_FOUND' : status === 400 ? 'INVALID_BODY' : `HTTP_${status}`, message: error.message };
      response.status(status).json(shaped);
      return;
    }
    this.logger.error({ message: 'request failed', error: String(error) }, (error as Error)?.stack);
    response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ code: 'UNAVAILABLE', message: 'the service could not complete the request; try again' });
  }
}
