// The sign-in view: e-mail and password, then the authenticator code when
// the account has a second factor. Errors are read out (role="alert") and
// focus moves to the next field, so the whole flow works from the keyboard.

import { ApiError } from './api.ts';
import { alertBox, h, replace } from './dom.ts';
import { signIn, signInWithCode } from './session.ts';

function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The service could not be reached. Try again.';
  switch (error.code) {
    case 'AUTH_INVALID_CREDENTIALS':
      return 'That e-mail and password do not match an account.';
    case 'AUTH_MFA_INVALID_CODE':
      return 'That code is not the current one. Enter the code your authenticator shows now.';
    case 'AUTH_MFA_CHALLENGE_INVALID':
      return 'The sign-in took too long. Start again with your password.';
    case 'AUTH_TOO_MANY_ATTEMPTS':
      return 'Too many attempts. Wait a few minutes, then try again.';
    default:
      return error.message;
  }
}

function field(id: string, label: string, props: Record<string, string | boolean>): HTMLElement {
  return h(
    'p',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, ...props }),
  );
}

/** Draws the sign-in form into `main`; resolves once the browser holds a session. */
export function showSignIn(main: HTMLElement): Promise<void> {
  return new Promise((resolve) => {
    const message = h('div', { id: 'sign-in-message' });
    const form = h(
      'form',
      { class: 'card', 'aria-labelledby': 'sign-in-title', novalidate: true },
      field('email', 'E-mail', { type: 'email', autocomplete: 'username', required: true }),
      field('password', 'Password', {
        type: 'password',
        autocomplete: 'current-password',
        required: true,
      }),
      h('button', { type: 'submit' }, 'Sign in'),
    );
    replace(main, h('h1', { id: 'sign-in-title' }, 'Sign in'), message, form);
    (form.querySelector('#email') as HTMLInputElement).focus();

    const codeStep = (mfaToken: string) => {
      const codeForm = h(
        'form',
        { class: 'card', 'aria-labelledby': 'code-title', novalidate: true },
        h('p', {}, 'Enter the six-digit code from your authenticator app.'),
        field('code', 'Authenticator code', {
          type: 'text',
          inputmode: 'numeric',
          autocomplete: 'one-time-code',
          pattern: '[0-9]{6}',
          required: true,
        }),
        h('button', { type: 'submit' }, 'Verify'),
      );
      replace(main, h('h1', { id: 'code-title' }, 'Second step'), message, codeForm);
      replace(message);
      (codeForm.querySelector('#code') as HTMLInputElement).focus();
      codeForm.addEventListener('submit', (event) => {
        event.preventDefault();
        const code = (codeForm.querySelector('#code') as HTMLInputElement).value.trim();
        signInWithCode(mfaToken, code).then(resolve, (error: unknown) => {
          replace(message, alertBox(explain(error)));
          if (error instanceof ApiError && error.code === 'AUTH_MFA_CHALLENGE_INVALID') {
            showSignIn(main).then(resolve, resolve);
          }
        });
      });
    };

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const email = (form.querySelector('#email') as HTMLInputElement).value.trim();
      const password = (form.querySelector('#password') as HTMLInputElement).value;
      signIn(email, password).then(
        (step) => {
          if (step.done) resolve();
          else codeStep(step.mfaToken);
        },
        (error: unknown) => {
          replace(message, alertBox(explain(error)));
        },
      );
    });
  });
}
