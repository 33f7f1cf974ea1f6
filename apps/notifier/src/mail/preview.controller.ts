import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { EmailRenderer } from './email-renderer';
import { PREVIEW_PREFERENCES_URL, SAMPLE_EVENTS } from './preview';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Every email rendered from sample data, for designers (`EMAIL_PREVIEW=true`, never in production). */
@Controller('preview')
export class PreviewController {
  constructor(private readonly renderer: EmailRenderer) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  index(): string {
    const links = SAMPLE_EVENTS.flatMap((s) =>
      ['coach', 'client'].map((who) => `<li><a href="/preview/${encodeURIComponent(s.name)}/${who}">${escapeHtml(s.name)}: ${who}</a> ${escapeHtml(s.description)}</li>`),
    ).join('');
    return `<!doctype html><meta charset="utf-8"><title>Email previews</title><h1>Email previews</h1><ul>${links}</ul>`;
  }

  @Get(':sample/:recipient')
  @Header('Content-Type', 'text/html; charset=utf-8')
  show(@Param('sample') name: string, @Param('recipient') recipient: string): string {
    const sample = SAMPLE_EVENTS.find((s) => s.name === name);
    if (!sample || (recipient !== 'coach' && recipient !== 'client')) throw new NotFoundException();
    return this.renderer.render(sample.event, { preferencesUrl: PREVIEW_PREFERENCES_URL })[recipient].html;
  }
}
