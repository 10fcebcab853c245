import assert from 'node:assert/strict';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { DEV_CERT_FILE, DEV_KEY_FILE, ensureDevCertificate } from './dev-cert.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'dev-cert-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ensureDevCertificate', () => {
  test('generates once with private permissions, then reuses the pair', async () => {
    const dir = join(root, 'reuse', 'tls');
    const first = await ensureDevCertificate(dir);
    assert.equal(first.created, true);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal((await stat(join(dir, DEV_KEY_FILE))).mode & 0o777, 0o600);
    assert.equal(await readFile(join(dir, DEV_CERT_FILE), 'utf8'), first.cert);

    const second = await ensureDevCertificate(dir);
    assert.equal(second.created, false);
    assert.equal(second.cert, first.cert);
    assert.equal(second.key, first.key);
  });

  test('issues a 30-day certificate for localhost, 127.0.0.1 and ::1', async () => {
    const { cert } = await ensureDevCertificate(join(root, 'names'));
    const certificate = new X509Certificate(cert);
    assert.match(certificate.subject, /CN=localhost/);
    assert.equal(certificate.checkHost('localhost'), 'localhost');
    assert.equal(certificate.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(certificate.checkIP('::1'), '::1');
    const lifetimeDays =
      (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / 86_400_000;
    assert.ok(lifetimeDays > 29 && lifetimeDays <= 31, `lifetime ${lifetimeDays} days`);
  });

  test('replaces a certificate that expires within a day', async () => {
    const dir = join(root, 'expiring');
    const { created } = await ensureDevCertificate(dir);
    assert.equal(created, true);
    const soon = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 60 * 60 * 1000),
    });
    await writeFile(join(dir, DEV_CERT_FILE), soon.cert);
    await writeFile(join(dir, DEV_KEY_FILE), soon.private);

    const renewed = await ensureDevCertificate(dir);
    assert.equal(renewed.created, true);
    assert.notEqual(renewed.cert, soon.cert);
  });

  test('replaces a certificate whose key does not match', async () => {
    const dir = join(root, 'mismatch');
    const original = await ensureDevCertificate(dir);
    const other = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
    });
    await writeFile(join(dir, DEV_KEY_FILE), other.private);

    const replaced = await ensureDevCertificate(dir);
    assert.equal(replaced.created, true);
    assert.notEqual(replaced.cert, original.cert);
  });

  test('a TLS client pinning the certificate completes a handshake', async () => {
    const { cert, key } = await ensureDevCertificate(join(root, 'handshake'));
    const server = createServer({ cert, key }, (socket) => socket.end('hello'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [cert] });
      await once(socket, 'secureConnect');
      assert.equal(socket.authorized, true);
      const chunks: Buffer[] = [];
      for await (const chunk of socket) chunks.push(chunk as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'hello');
    } finally {
      server.close();
    }
  });
});
