/**
 * The script of /account/two-step (served as /account/js/two-step.js, after the shared
 * /account/js/session.js). Reads whether TOTP is on from GET /auth/account, enrols over
 * /auth/mfa/totp*, and draws the QR code auth returns as SVG by adopting the parsed document
 * (never as HTML markup). Secrets and recovery codes are only ever written with textContent.
 */
export const ACCOUNT_TWO_STEP_SCRIPT = `(function () {
  'use strict';
  var session = window.AccountSession;
  var call = session.call;
  var byId = function (id) { return document.getElementById(id); };
  var say = session.statusLine(byId('totp-status'));
  var sections = ['signin-form', 'totp-off', 'totp-enrol', 'totp-recovery', 'totp-on'];

  function show(id) {
    sections.forEach(function (other) { byId(other).hidden = other !== id; });
  }
  function json(answer, what) {
    if (!answer.ok) throw new Error(what + ' ' + answer.status);
    return answer.json();
  }
  function load() {
    return call('GET', '/auth/account').then(function (answer) {
      if (answer.status === 401) return show('signin-form');
      return json(answer, 'account').then(function (account) {
        if (!account.mfa.totp) {
          show('totp-off');
          return;
        }
        var left = account.mfa.recovery_codes_left;
        byId('totp-codes-left').textContent = left + (left === 1 ? ' recovery code left.' : ' recovery codes left.');
        show('totp-on');
      });
    }).catch(function () { say('Your account could not be loaded.', true); });
  }
  function drawQr(svgText) {
    var svg = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
    if (svg.nodeName !== 'svg') throw new Error('not an svg');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('width', '220');
    svg.setAttribute('height', '220');
    var figure = byId('totp-qr');
    figure.textContent = '';
    figure.appendChild(document.importNode(svg, true));
  }

  byId('totp-begin').addEventListener('click', function () {
    say('', false);
    call('POST', '/auth/mfa/totp', {})
      .then(function (answer) { return json(answer, 'begin'); })
      .then(function (enrolment) {
        byId('totp-secret').textContent = enrolment.secret;
        return call('POST', '/auth/mfa/totp/qr', { otpauth_uri: enrolment.otpauth_uri });
      })
      .then(function (answer) {
        if (!answer.ok) throw new Error('qr ' + answer.status);
        return answer.text();
      })
      .then(function (svgText) {
        drawQr(svgText);
        show('totp-enrol');
        byId('totp-code').focus();
      })
      .catch(function () { say('The authenticator app could not be set up. Try again.', true); });
  });

  byId('totp-confirm').addEventListener('submit', function (event) {
    event.preventDefault();
    var code = byId('totp-code');
    call('POST', '/auth/mfa/totp/confirm', { code: code.value.trim() })
      .then(function (answer) { return json(answer, 'confirm'); })
      .then(function (body) {
        code.value = '';
        byId('totp-secret').textContent = '';
        byId('totp-qr').textContent = '';
        var list = byId('totp-recovery-codes');
        list.textContent = '';
        body.recovery_codes.forEach(function (recoveryCode) {
          var item = document.createElement('li');
          var text = document.createElement('code');
          text.textContent = recoveryCode;
          item.appendChild(text);
          list.appendChild(item);
        });
        say('The authenticator app is on.', false);
        show('totp-recovery');
        byId('totp-recovery-done').focus();
      })
      .catch(function () { say('That code is not right. Enter the current code from your app.', true); });
  });

  byId('totp-recovery-done').addEventListener('click', function () {
    // Shown once: the codes leave the page, and auth keeps only their hashes.
    byId('totp-recovery-codes').textContent = '';
    say('', false);
    load();
  });

  byId('totp-remove').addEventListener('submit', function (event) {
    event.preventDefault();
    var password = byId('totp-remove-password');
    call('DELETE', '/auth/mfa/totp', { password: password.value })
      .then(function (answer) {
        if (answer.status !== 204) throw new Error('remove ' + answer.status);
        password.value = '';
        say('The authenticator app is off.', false);
        return load();
      })
      .catch(function () { say('The authenticator app was not turned off. Check your password.', true); });
  });

  session.offerSignIn(byId('signin-form'), say, load);
  load();
})();
`;
