import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/config.js';
import { loadAuthConfig } from '../../../services/auth/config.js';

function problemOf(env: Record<string, string>): { variable: string; message: string } {
  try {
    loadAuthConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return { variable: err.variable, message: err.message };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('mail configuration', () => {
  it('when nothing is set, then there is no SMTP (file transport), MAIL_FROM is the default and links are built on AUTH_ISSUER', () => {
    const config = loadAuthConfig({ AUTH_ISSUER: 'https://id.example.test/' });
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.MAIL_FROM).toBe('authgate <no-reply@localhost>');
    expect(config.AUTH_PUBLIC_URL).toBe('https://id.example.test');
  });

  it('when the variables are set, then they are taken (AUTH_PUBLIC_URL without its trailing slash)', () => {
    const config = loadAuthConfig({ SMTP_URL: 'smtps://mailer:s3cret@smtp.example.test:465', MAIL_FROM: 'Example <no-reply@example.test>', AUTH_PUBLIC_URL: 'https://gw.example.test/id/' });
    expect(config).toMatchObject({ SMTP_URL: 'smtps://mailer:s3cret@smtp.example.test:465', MAIL_FROM: 'Example <no-reply@example.test>', AUTH_PUBLIC_URL: 'https://gw.example.test/id' });
    expect(loadAuthConfig({ SMTP_URL: 'smtp://mailpit:1025', MAIL_FROM: 'no-reply@example.test' }).MAIL_FROM).toBe('no-reply@example.test');
  });

  it.each([
    ['SMTP_URL', 'http://user:hunter2@smtp.example.test', /SMTP_URL: must be smtp:\/\/user:pass@host:port or smtps:/],
    ['SMTP_URL', 'smtp://:hunter2@', /SMTP_URL/],
    ['SMTP_URL', 'smtp://user:hunter2@smtp.example.test/path', /SMTP_URL/],
    ['MAIL_FROM', 'hunter2', /MAIL_FROM: must be an address/],
    ['MAIL_FROM', 'x <a@b.test>\r\nBcc: victim@example.test', /MAIL_FROM/],
    ['AUTH_PUBLIC_URL', 'gw.example.test', /AUTH_PUBLIC_URL: must be a URL/],
    ['AUTH_PUBLIC_URL', 'ftp://gw.example.test', /AUTH_PUBLIC_URL: must be an http/],
    ['AUTH_PUBLIC_URL', 'https://gw.example.test/?next=x', /AUTH_PUBLIC_URL/],
  ])('when %s is %j, then the start fails naming the variable, not its value', (variable, value, message) => {
    const problem = problemOf({ [variable]: value });
    expect(problem.variable).toBe(variable);
    expect(problem.message).toMatch(message);
    expect(problem.message).not.toContain('hunter2');
  });
});
