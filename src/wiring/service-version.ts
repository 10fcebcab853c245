// The service's version, in its own file so that an entry point can name it
// (on its spans) before loading the HTTP side.

export const SERVICE_VERSION = '0.1.0';
