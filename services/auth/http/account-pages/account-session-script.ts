/**
 * What every signed-in account page script shares (served as /account/js/session.js, loaded
 * before the page's own script): calls to auth with the browser session (cookies, plus the
 * X-CSRF-Token header its unsafe requests need), the status line, and the password sign-in of
 * POST /auth/session offered when there is no session. Exposed as `window.AccountSession`.
 */
export const ACCOUNT_SESSION_SCRIPT = `(function () {
  'use strict';
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrf_token=([^;]*)/);
    return match ? match[1] : '';
  }
  function call(method, path, body) {
    var headers = { 'x-csrf-token': csrfToken() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: method, credentials: 'same-origin', headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }
  /** A status line (role=alert) that says one thing at a time, as text. */
  function statusLine(element) {
    return function say(message, isError) {
      element.textContent = message;
      element.className = isError ? 'error' : 'notice';
      element.hidden = !message;
    };
  }
  /** The sign-in form (#username, #password): on success clears the password and calls onSignedIn. */
  function offerSignIn(form, say, onSignedIn) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var password = document.getElementById('password');
      var body = { username: document.getElementById('username').value, password: password.value };
      fetch('/auth/session', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .then(function (answer) {
          if (answer.status !== 204) throw new Error('sign-in ' + answer.status);
          password.value = '';
          say('', false);
          return onSignedIn();
        })
        .catch(function () { say('The username or password is incorrect.', true); });
    });
  }
  window.AccountSession = { call: call, statusLine: statusLine, offerSignIn: offerSignIn };
})();
`;
