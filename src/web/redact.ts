/**
 * Secrets that travel in URLs — invitation, password-reset and calendar-feed tokens in the path, CSRF tokens and
 * other tokens in the query — are replaced before a URL is written to the request log.
 */
const SECRET_PATH = /(\/(?:password-resets?|invitations|feed)\/)[^/?#]+/gi;
const SECRET_QUERY = /([?&](?:_csrf|token|key|secret)=)[^&#]*/gi;

export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  return url.replace(SECRET_PATH, '$1[redacted]').replace(SECRET_QUERY, '$1[redacted]');
}
