import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY_POLICY, retryDelayMs } from '../../../services/auth/domain/mail/delivery-policy.js';
import { withoutUrls } from '../../../services/auth/domain/mail/mail-transport.js';
import { MAIL_TEMPLATES } from '../../../services/auth/domain/mail/mail-templates.js';
import { mailLinkUrl, renderMail } from '../../../services/auth/domain/mail/render-mail.js';

describe('mail rendering', () => {
  it('when a link is built, then it is one absolute URL on AUTH_PUBLIC_URL, keeping its path prefix and encoding the token', () => {
    expect(mailLinkUrl('https://gw.example.test', { path: '/account/verify-email', query: { token: 'a+b/c=' } })).toBe('https://gw.example.test/account/verify-email?token=a%2Bb%2Fc%3D');
    expect(mailLinkUrl('https://gw.example.test/id', { path: 'account/reset-password', query: { token: 't' } })).toBe('https://gw.example.test/id/account/reset-password?token=t');
  });

  it.each(Object.values(MAIL_TEMPLATES))('when a $purpose mail is rendered, then the text part has the link alone on its own line and the HTML part links it', (template) => {
    const link = 'https://gw.example.test/account/x?token=abc';
    const mail = renderMail(template, 'gil@example.test', link, { username: 'gil', minutes: '30', hours: '24' });
    const lines = mail.text.split('\n');
    const at = lines.indexOf(link);
    expect(at).toBeGreaterThan(0);
    expect([lines[at - 1], lines[at + 1]]).toEqual(['', '']);
    expect(lines.filter((l) => l.includes('token='))).toHaveLength(1);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.text).not.toMatch(/\{\w+\}/);
    expect(mail).toMatchObject({ to: 'gil@example.test', purpose: template.purpose });
  });

  it('when a value carries markup, then the HTML part shows it as text', () => {
    const mail = renderMail(MAIL_TEMPLATES['password-reset'], 'h@example.test', 'https://gw.example.test/r?token=t&x=1', { username: '<img src=x onerror=alert(1)>', minutes: '30' });
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(mail.html).toContain('href="https://gw.example.test/r?token=t&amp;x=1"');
  });

  it.each(['/relative?token=t', 'https://gw.example.test/a b', 'javascript:alert(1)'])('when the link is %j, then rendering refuses it', (link) => {
    expect(() => renderMail(MAIL_TEMPLATES.invitation, 'i@example.test', link)).toThrow(/one absolute http/);
  });
});

describe('delivery backoff', () => {
  it('when attempts fail in a row, then each wait is between half and all of a doubling step, capped', () => {
    const policy = { baseDelayMs: 1_000, maxDelayMs: 8_000 };
    const bounds = [1, 2, 3, 4, 5, 6].map((failures) => [retryDelayMs(failures, policy, () => 0), retryDelayMs(failures, policy, () => 1)]);
    expect(bounds).toEqual([[500, 1_000], [1_000, 2_000], [2_000, 4_000], [4_000, 8_000], [4_000, 8_000], [4_000, 8_000]]);
  });

  it('when the defaults apply, then a mail rides out more than an hour of outage before it is given up', () => {
    const waits = Array.from({ length: DEFAULT_DELIVERY_POLICY.maxAttempts - 1 }, (_, i) => retryDelayMs(i + 1, DEFAULT_DELIVERY_POLICY, () => 0));
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThan(3_600_000);
    expect(DEFAULT_DELIVERY_POLICY.leaseMs).toBeGreaterThan(30_000 + 10_000 + 10_000);
  });

  it('when an SMTP reply quotes a link, then the logged message has no URL in it', () => {
    expect(withoutUrls('550 rejected https://gw.example.test/r?token=SECRET because\nreasons')).toBe('550 rejected [url] because reasons');
  });
});
