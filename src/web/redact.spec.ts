import { redactUrl } from './redact';

describe('redactUrl', () => {
  it('keeps the tokens of invitation, password-reset and calendar-feed links out of the log', () => {
    expect(redactUrl('/invitations/abcDEF123_-x/accept')).toBe('/invitations/[redacted]/accept');
    expect(redactUrl('/api/v1/invitations/abc/accept')).toBe('/api/v1/invitations/[redacted]/accept');
    expect(redactUrl('/password-reset/s3cr3t')).toBe('/password-reset/[redacted]');
    expect(redactUrl('/api/v1/auth/password-resets/s3cr3t')).toBe('/api/v1/auth/password-resets/[redacted]');
    expect(redactUrl('/events/feed/0123abcd.ics')).toBe('/events/feed/[redacted]');
  });

  it('keeps CSRF and other tokens in the query out of the log, and the rest of the URL as it was', () => {
    expect(redactUrl('/subsidies/applications/1/attachments?_csrf=tok&x=1')).toBe(
      '/subsidies/applications/1/attachments?_csrf=[redacted]&x=1',
    );
    expect(redactUrl('/issues?q=%E7%A9%BA%E3%81%8D%E5%AE%B6&page=2')).toBe('/issues?q=%E7%A9%BA%E3%81%8D%E5%AE%B6&page=2');
  });
});
