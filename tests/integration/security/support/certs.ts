import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * A throw-away certificate authority made at test time with openssl (and
 * keytool for the Java trust store): a server certificate for 127.0.0.1 and a
 * client certificate, both signed by the CA. Nothing is checked in.
 */
export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** PKCS#12 key store (server key + chain) and trust store (the CA) for Java, both with `storePassword`. */
  readonly serverKeystore: string;
  readonly truststore: string;
  readonly storePassword: string;
  /** A second, unrelated CA: a client trusting only this must refuse the server. */
  readonly otherCaCert: string;
  remove(): void;
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args[0]} failed: ${`${r.stderr}${r.stdout}`.trim().split('\n').slice(-3).join(' | ')}`);
}

function makeCa(dir: string, name: string, cn: string): void {
  run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], dir);
}

function makeLeaf(dir: string, name: string, cn: string, ext: string): void {
  run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'carestream-pki-'));
  const storePassword = randomBytes(12).toString('hex');
  makeCa(dir, 'ca', 'carestream test CA');
  makeCa(dir, 'other-ca', 'some other CA');
  makeLeaf(dir, 'server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  makeLeaf(dir, 'client', 'carestream-test-client', 'extendedKeyUsage=clientAuth\n');
  run('openssl', ['pkcs12', '-export', '-in', 'server.crt', '-inkey', 'server.key', '-certfile', 'ca.crt', '-name', 'server', '-out', 'server.p12', '-passout', `pass:${storePassword}`], dir);
  run('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', 'ca.crt', '-keystore', 'truststore.p12', '-storetype', 'PKCS12', '-storepass', storePassword], dir);
  const p = (f: string) => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    serverKeystore: p('server.p12'),
    truststore: p('truststore.p12'),
    storePassword,
    otherCaCert: p('other-ca.crt'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
