// Certificates for the local control plane, made with the openssl CLI (present on every Debian machine):
// a CA, the API server's serving certificate, client certificates for each component, and the
// service-account signing key. ECDSA P-256 keys: quick to generate, accepted everywhere.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { exec } from '../util/exec.js';

export interface ClientIdentity {
  /** File stem under pki/, e.g. "admin". */
  name: string;
  commonName: string;
  organization?: string;
}

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  clients: Record<string, { cert: string; key: string }>;
}

const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

async function signLeaf(dir: string, stem: string, subject: string, extensions: string, caCert: string, caKey: string): Promise<void> {
  const key = path.join(dir, `${stem}.key`);
  const csr = path.join(dir, `${stem}.csr`);
  const ext = path.join(dir, `${stem}.ext`);
  await exec('openssl', ['req', '-new', '-nodes', ...curve, '-keyout', key, '-subj', subject, '-out', csr]);
  await writeFile(ext, extensions);
  await exec('openssl', [
    'x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial',
    '-days', '825', '-sha256', '-extfile', ext, '-out', path.join(dir, `${stem}.crt`),
  ]);
}

/** Subject string for openssl: /O=…/CN=… (values here are our own constants, never user input). */
function subjectOf(id: ClientIdentity): string {
  return `${id.organization ? `/O=${id.organization}` : ''}/CN=${id.commonName}`;
}

export async function createPki(dir: string, clients: readonly ClientIdentity[], serviceIp: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caCert = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  await exec('openssl', [
    'req', '-x509', '-new', '-nodes', ...curve, '-keyout', caKey, '-out', caCert, '-days', '3650', '-sha256',
    '-subj', '/CN=kawa-local-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  const serverSans = [
    'IP:127.0.0.1', `IP:${serviceIp}`, 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
  ].join(',');
  await signLeaf(dir, 'apiserver', '/CN=kube-apiserver',
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${serverSans}\n`,
    caCert, caKey);
  const issued: Pki['clients'] = {};
  for (const client of clients) {
    await signLeaf(dir, client.name, subjectOf(client),
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
      caCert, caKey);
    issued[client.name] = { cert: path.join(dir, `${client.name}.crt`), key: path.join(dir, `${client.name}.key`) };
  }
  const serviceAccountKey = path.join(dir, 'sa.key');
  const serviceAccountPub = path.join(dir, 'sa.pub');
  await exec('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', serviceAccountKey]);
  await exec('openssl', ['pkey', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub]);
  return {
    dir, caCert, caKey,
    serverCert: path.join(dir, 'apiserver.crt'), serverKey: path.join(dir, 'apiserver.key'),
    serviceAccountKey, serviceAccountPub, clients: issued,
  };
}

/** A kubeconfig with everything embedded, so the file works wherever it is copied. */
export async function kubeconfigFor(options: {
  clusterName: string;
  server: string;
  caCert: string;
  userName: string;
  cert: string;
  key: string;
}): Promise<string> {
  const b64 = async (file: string): Promise<string> => (await readFile(file)).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: options.clusterName, cluster: { server: options.server, 'certificate-authority-data': await b64(options.caCert) } }],
    users: [{ name: options.userName, user: { 'client-certificate-data': await b64(options.cert), 'client-key-data': await b64(options.key) } }],
    contexts: [{ name: options.clusterName, context: { cluster: options.clusterName, user: options.userName } }],
    'current-context': options.clusterName,
  });
}
