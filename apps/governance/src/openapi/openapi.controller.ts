import { Controller, Get, Header } from '@nestjs/common';
import { DOCS_HTML, DOCS_JS } from './docs-page';
import { buildOpenApiDocument } from './openapi.document';

/** The OpenAPI document and the offline docs viewer; public, like any API reference. */
@Controller('api/v1')
export class OpenApiController {
  private document?: Record<string, unknown>;

  @Get('openapi.json')
  openapi() {
    return (this.document ??= buildOpenApiDocument());
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header(
    'content-security-policy',
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'",
  )
  docs() {
    return DOCS_HTML;
  }

  @Get('docs/viewer.js')
  @Header('content-type', 'application/javascript; charset=utf-8')
  viewer() {
    return DOCS_JS;
  }
}
