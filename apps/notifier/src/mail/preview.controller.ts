import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { escapeHtml } from '#platform/http/escape-html';
import { EmailRenderer } from './email-renderer.js';
import { PREVIEW_LINKS, PREVIEW_SAMPLES } from './preview.js';
import { RECIPIENTS } from './notification.js';

/** Every email rendered from sample data, for designers (`EMAIL_PREVIEW=true`, never in production). */
@Controller('preview')
export class PreviewController {
  constructor(private readonly renderer: EmailRenderer) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  index(): string {
    const links = PREVIEW_SAMPLES.flatMap((s) =>
      RECIPIENTS[s.notification.kind].map(
        (who) => `<li><a href="/preview/${encodeURIComponent(s.name)}/${who}">${escapeHtml(s.name)}: ${who}</a> ${escapeHtml(s.description)}</li>`,
      ),
    ).join('');
    return `<!doctype html><meta charset="utf-8"><title>Email previews</title><h1>Email previews</h1><ul>${links}</ul>`;
  }

  @Get(':sample/:recipient')
  @Header('Content-Type', 'text/html; charset=utf-8')
  show(@Param('sample') name: string, @Param('recipient') recipient: string): string {
    const sample = PREVIEW_SAMPLES.find((s) => s.name === name);
    const email = sample && this.renderer.renderAll(sample.notification, PREVIEW_LINKS).find((e) => e.recipient === recipient);
    if (!email) throw new NotFoundException();
    return email.email.html;
  }
}
