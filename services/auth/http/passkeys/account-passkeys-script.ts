/**
 * The script of /account/passkeys (served as /auth/webauthn/js/account-passkeys.js). It lists,
 * adds and removes the signed-in user's passkeys over /auth/webauthn/* with the browser session
 * (window.AccountSession: cookies and CSRF header, the sign-in offered when there is none). Names are user input: they are
 * only ever written with textContent.
 */
export const ACCOUNT_PASSKEYS_SCRIPT = `(function () {
  'use strict';
  var browser = window.SimpleWebAuthnBrowser;
  var byId = function (id) { return document.getElementById(id); };
  var status = byId('passkey-status');
  var section = byId('passkeys');
  var list = byId('passkey-list');
  var empty = byId('passkey-empty');
  var addForm = byId('passkey-add');
  var signinForm = byId('signin-form');

  var session = window.AccountSession;
  var call = session.call;
  var say = session.statusLine(status);
  function describe(passkey) {
    var used = passkey.last_used_at ? 'last used ' + new Date(passkey.last_used_at).toLocaleString() : 'never used';
    return ' (added ' + new Date(passkey.created_at).toLocaleDateString() + ', ' + used + (passkey.synced ? ', synced' : '') + ')';
  }
  function render(passkeys) {
    list.textContent = '';
    passkeys.forEach(function (passkey) {
      var item = document.createElement('li');
      var name = document.createElement('strong');
      name.textContent = passkey.name;
      item.appendChild(name);
      item.appendChild(document.createTextNode(describe(passkey)));
      var remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary';
      remove.textContent = 'Remove';
      remove.setAttribute('aria-label', 'Remove ' + passkey.name);
      remove.addEventListener('click', function () {
        call('DELETE', '/auth/webauthn/credentials/' + encodeURIComponent(passkey.id)).then(function (answer) {
          if (answer.status !== 204) throw new Error('remove ' + answer.status);
          say('Passkey removed.', false);
          load();
        }).catch(function () { say('The passkey could not be removed.', true); });
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
    empty.hidden = passkeys.length > 0;
  }
  function load() {
    return call('GET', '/auth/webauthn/credentials').then(function (answer) {
      if (answer.status === 401) {
        section.hidden = true;
        signinForm.hidden = false;
        return;
      }
      if (!answer.ok) throw new Error('list ' + answer.status);
      return answer.json().then(function (body) {
        signinForm.hidden = true;
        section.hidden = false;
        render(body.credentials);
      });
    }).catch(function () { say('Your passkeys could not be loaded.', true); });
  }

  session.offerSignIn(signinForm, say, load);

  addForm.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!browser || !browser.browserSupportsWebAuthn()) {
      say('This browser cannot create passkeys.', true);
      return;
    }
    var name = byId('passkey-name').value;
    call('POST', '/auth/webauthn/register/options', {})
      .then(function (answer) {
        if (!answer.ok) throw new Error('options ' + answer.status);
        return answer.json();
      })
      .then(function (options) { return browser.startRegistration({ optionsJSON: options }); })
      .then(function (response) { return call('POST', '/auth/webauthn/register', name ? { response: response, name: name } : { response: response }); })
      .then(function (answer) {
        if (answer.status !== 201) throw new Error('register ' + answer.status);
        byId('passkey-name').value = '';
        say('Passkey added.', false);
        return load();
      })
      .catch(function () { say('The passkey was not added. Try again.', true); });
  });

  load();
})();
`;
