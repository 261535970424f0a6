/** A source's failure as the console says it: what to check, not only the code. */
export function plainWords(detail: string): string {
  if (/HTTP 40[13]\b/.test(detail)) return `the CRM refused the credentials — expired or wrong token (${detail})`;
  if (/HTTP 404\b/.test(detail)) return `wrong URL: the CRM has no such address (${detail})`;
  if (/HTTP 429\b/.test(detail)) return 'rate limited by the CRM: waiting as it asked';
  if (/ENOTFOUND|EAI_AGAIN/.test(detail)) return `wrong URL: the CRM's host name does not resolve (${detail})`;
  if (/ECONNREFUSED/.test(detail)) return `nothing answers at the CRM's address (${detail})`;
  if (/timed out|no answer within/.test(detail)) return `the CRM did not answer in time (${detail})`;
  return detail;
}
