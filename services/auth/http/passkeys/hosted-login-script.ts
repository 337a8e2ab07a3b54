/**
 * The passkey button of the hosted login page and of its second step (served as
 * /auth/webauthn/js/hosted-login.js, never inline: the pages' CSP allows script from this origin
 * only). It asks the form's `data-options-url` for request options (sending the form's mfa_token
 * on the second step), lets the browser run the ceremony through @simplewebauthn/browser, and
 * posts the assertion (with the form's `data-step`) in the page's own form (with its CSRF token and authorization parameters),
 * so the server side is one more step of POST /oauth/authorize.
 */
export const HOSTED_LOGIN_SCRIPT = `(function () {
  'use strict';
  var browser = window.SimpleWebAuthnBrowser;
  var button = document.getElementById('passkey-button');
  var form = document.getElementById('passkey-form');
  var error = document.getElementById('passkey-error');
  if (!browser || !button || !form || !error || !browser.browserSupportsWebAuthn()) return;
  function field(name, value) {
    var input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  button.hidden = false;
  button.addEventListener('click', function () {
    button.disabled = true;
    error.hidden = true;
    var mfaToken = form.elements.namedItem('mfa_token');
    var body = mfaToken ? { mfa_token: mfaToken.value } : {};
    fetch(form.getAttribute('data-options-url'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' })
      .then(function (answer) {
        if (!answer.ok) throw new Error('options ' + answer.status);
        return answer.json();
      })
      .then(function (options) {
        return browser.startAuthentication({ optionsJSON: options });
      })
      .then(function (assertion) {
        field('step', form.getAttribute('data-step'));
        field('webauthn', JSON.stringify(assertion));
        form.submit();
      })
      .catch(function () {
        error.textContent = 'The passkey did not answer. Try again' + (mfaToken ? '.' : ', or use your password.');
        error.hidden = false;
        button.disabled = false;
      });
  });
})();
`;
