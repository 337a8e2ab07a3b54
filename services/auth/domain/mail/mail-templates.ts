import type { MailPurpose } from './mail.js';
import type { MailTemplate } from './render-mail.js';

/**
 * The wording of each kind of mail. `{minutes}` / `{hours}` are filled by the flow that sends
 * it (from PASSWORD_RESET_TTL / EMAIL_VERIFICATION_TTL); `{username}` names the account.
 */
export const MAIL_TEMPLATES: Readonly<Record<MailPurpose, MailTemplate>> = {
  'email-verification': {
    purpose: 'email-verification',
    subject: 'Confirm your e-mail address',
    intro: ['Hello {username},', 'please confirm that this is your e-mail address by opening this link:'],
    action: 'Confirm my address',
    outro: ['The link works once and expires in {hours} hours.', 'If you did not ask for this, ignore this mail: nothing changes.'],
  },
  'password-reset': {
    purpose: 'password-reset',
    subject: 'Reset your password',
    intro: ['Hello {username},', 'someone (hopefully you) asked to reset the password of your account. To choose a new one, open this link:'],
    action: 'Choose a new password',
    outro: ['The link works once and expires in {minutes} minutes.', 'If you did not ask for this, ignore this mail: your password stays as it is.'],
  },
  invitation: {
    purpose: 'invitation',
    subject: 'You have been invited',
    intro: ['Hello {username},', 'an account has been made for you. To set its password, open this link:'],
    action: 'Set my password',
    outro: ['The link works once and expires in {hours} hours.'],
  },
};
