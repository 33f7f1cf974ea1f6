import { Controller, Get, Header } from '@nestjs/common';
import { buildOpenApiDocument } from './openapi.js';

/** `GET /openapi.json`: the OpenAPI 3.1 document of this API, for anyone (no token). */
@Controller()
export class OpenApiController {
  // Built once: it depends only on the code.
  private readonly document = buildOpenApiDocument();

  @Get('openapi.json')
  @Header('Cache-Control', 'public, max-age=300')
  openapi(): object {
    return this.document;
  }
}
