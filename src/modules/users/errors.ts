import { defineErrors, errorFactory } from '../../errors/index.ts';

export const usersErrors = defineErrors({
  USERS_EMAIL_TAKEN: { status: 409, title: 'Email already registered', level: 'info' },
  USERS_WEAK_PASSWORD: { status: 422, title: 'Password does not meet the policy', level: 'info' },
  USERS_NOT_FOUND: { status: 404, title: 'User not found', level: 'debug' },
  USERS_CANNOT_DELETE_SELF: {
    status: 409,
    title: 'Admins cannot delete themselves',
    level: 'info',
  },
  // An admin demoting themselves could leave nobody able to undo it.
  USERS_CANNOT_CHANGE_OWN_ROLE: {
    status: 409,
    title: 'Admins cannot change their own role',
    level: 'info',
  },
});

export const usersError = errorFactory(usersErrors);
